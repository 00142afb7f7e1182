// Small enhancements only: every page works without this file.
(function () {
  "use strict";

  // "/" jumps to the search box (unless the user is typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.isContentEditable)) return;
    var box = document.getElementById("q");
    if (!box) {
      window.location.href = "/";
      return;
    }
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Fold panels arrive folded (a phone shows the results first) and a wide screen already shows
  // them open through CSS (style.css, ::details-content), so nothing moves here: open them on
  // wide screens and mark them .js, from when on they fold and unfold like any <details>.
  var panels = document.querySelectorAll("details.panel");
  if (panels.length) {
    var narrow = window.matchMedia ? window.matchMedia("(max-width: 760px)") : { matches: false };
    var fold = function () {
      panels.forEach(function (d) { d.open = !narrow.matches; d.classList.add("js"); });
    };
    fold();
    if (narrow.addEventListener) narrow.addEventListener("change", fold);  // a rotated or resized window
  }

  // Report page: the ¶ link copies the paragraph's permalink instead of reloading the page.
  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.className = "show";
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () { box.className = ""; }, 1800);
  }

  document.querySelectorAll(".report-body a.anchor").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var url = link.href;
      var hash = url.slice(url.indexOf("#"));
      history.replaceState(null, "", window.location.pathname + window.location.search + hash);
      mark(document.querySelector(hash));
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(function () { toast("已复制本段链接"); },
          function () { toast("本段链接:" + url); });
      } else {
        toast("本段链接:" + url);
      }
    });
  });

  // The paragraph a hit pointed to: centre it (the anchor alone puts it at the very top).
  function mark(paragraph) {
    if (!paragraph) return;
    document.querySelectorAll(".report-body .paragraph.target").forEach(function (p) { p.classList.remove("target"); });
    paragraph.classList.add("target");
  }
  var target = document.querySelector(".report-body .paragraph.target") ||
    (window.location.hash && /^#p\d+$/.test(window.location.hash) ? document.querySelector(window.location.hash) : null);
  if (target) {
    mark(target);
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }
  // A table-of-contents link (or any #p<n> link) moves the one highlight to where it leads.
  window.addEventListener("hashchange", function () {
    if (/^#p\d+$/.test(window.location.hash)) mark(document.querySelector(window.location.hash));
  });

  // Report page: n / N (shift) jump to the next / previous paragraph that matched the query.
  var matched = Array.prototype.slice.call(document.querySelectorAll(".report-body .paragraph.matched"));
  if (matched.length) {
    document.addEventListener("keydown", function (event) {
      if ((event.key !== "n" && event.key !== "N") || event.ctrlKey || event.metaKey || event.altKey) return;
      var active = document.activeElement;
      if (active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA")) return;
      var current = document.querySelector(".report-body .paragraph.target");
      var index = current ? matched.indexOf(current) : -1;
      if (index < 0 && current) {  // the target is not a match: continue from its position
        index = matched.filter(function (p) {
          return p.compareDocumentPosition(current) & Node.DOCUMENT_POSITION_FOLLOWING;
        }).length - (event.key === "n" ? 1 : 0);
      }
      var next = event.key === "n" ? (index + 1) % matched.length : (index - 1 + matched.length) % matched.length;
      var paragraph = matched[next];
      history.replaceState(null, "", window.location.pathname + window.location.search + "#" + paragraph.id);
      mark(paragraph);
      paragraph.setAttribute("tabindex", "-1");
      paragraph.scrollIntoView({ block: "center" });
      paragraph.focus({ preventScroll: true });
    });
  }

  // Report page: the table of contents marks the section being read: the last section that
  // starts above a reading line a third down the window. At the very bottom of the page the
  // reading line can no longer reach the last sections, so there the last section whose start
  // is on screen counts.
  var tocLinks = Array.prototype.slice.call(document.querySelectorAll(".toc a[href^='#p']"));
  var sections = tocLinks.map(function (link) {
    return { link: link, start: document.getElementById(link.getAttribute("href").slice(1)) };
  }).filter(function (section) { return section.start; });
  if (sections.length) {
    var current = null;
    var scheduled = false;
    var update = function () {
      scheduled = false;
      var line = window.innerHeight / 3;
      var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      var best = null;
      sections.forEach(function (section) {
        var top = section.start.getBoundingClientRect().top;
        if (top <= line || (atBottom && top < window.innerHeight)) best = section;
      });
      var link = best ? best.link : null;
      if (link === current) return;
      if (current) current.removeAttribute("aria-current");
      current = link;
      if (current) current.setAttribute("aria-current", "location");
    };
    var schedule = function () {
      if (!scheduled) {
        scheduled = true;
        window.requestAnimationFrame(update);
      }
    };
    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    update();
  }

  // "Back to results": use the browser's history when we came from the results page,
  // so its scroll position is kept; otherwise the link's own URL holds the search state.
  var back = document.getElementById("back-link");
  if (back) {
    back.addEventListener("click", function (event) {
      if (document.referrer && document.referrer.indexOf(window.location.origin + "/?") === 0 && history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
  }

  // Forms that ask first (data-confirm holds the question; no inline handlers, see the CSP).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Read-only fields meant for copying (the feed address) select themselves when clicked.
  document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
    input.addEventListener("click", function () { input.select(); });
  });
})();
