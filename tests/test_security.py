"""Attacks the app must refuse (issue 13): open redirects, SSRF through webhooks, CSRF on every
POST route, one user reaching another's objects (IDOR), and sessions that outlive a logout.

Routes are enumerated from ``app.url_map``, so a route added later is covered (or this
module fails, asking for a value for its path argument).
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from account_support import PASSWORD, login, logout, register, token  # noqa: E402

from search.alerts.db import AlertItem, AlertsDB, Filters  # noqa: E402
from search.alerts.destinations import RefusedDestination, check_url  # noqa: E402
from search.alerts.links import unsubscribe_token  # noqa: E402
from search.alerts.webhook import post  # noqa: E402
from search.errors import ConfigError  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import utc_now  # noqa: E402


@pytest.fixture
def settings(indexed_data, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, target)
    return load_settings({"data_dir": str(target), "base_url": "http://govsearch.test"}, environ={})


@pytest.fixture
def app(settings):
    from web import create_app

    return create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": True})


def user_id(settings, address: str) -> int:
    with AlertsDB.open(settings.data_dir) as db:
        return db.user_by_email(address).id


def saved_query_of(settings, address: str, name: str = "复议", webhook: str | None = None):
    with AlertsDB.open(settings.data_dir) as db:
        return db.add_saved_query(user_id(settings, address), name, "行政复议", Filters(), "immediate", True, True,
                                  webhook, utc_now())


# --- open redirects -------------------------------------------------------------------
REDIRECT_PAYLOADS = [
    "//evil.example", "/\t/evil.example", "/%09/evil.example", "/\r\n/evil.example", "/\n/evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "https:evil.example", "https://evil.example",
    "http:/evil.example", "javascript:alert(1)", " //evil.example", "\t//evil.example", "/\x00/evil.example",
    "/\u2028/evil.example", "/\u200b/evil.example", "///evil.example", "evil.example", "%2F%2Fevil.example",
]


def assert_same_site(location: str) -> None:
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert not re.search(r"[\x00-\x20\x7f\\]", location), location


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_next_never_leaves_the_site_and_never_errors(app, payload):
    client = app.test_client()
    register(client, "redirect@example.org")
    logout(client)
    response = login(client, "redirect@example.org", next_url=payload)
    assert response.status_code == 302
    assert_same_site(response.headers["Location"])
    already = client.get("/account/login", query_string={"next": payload})  # logged in: straight to next
    assert already.status_code == 302
    assert_same_site(already.headers["Location"])


def test_a_same_site_next_is_kept(app):
    client = app.test_client()
    register(client, "kept@example.org")
    logout(client)
    response = login(client, "kept@example.org", next_url="/?q=行政复议&region=浙江省")
    assert urlsplit(response.headers["Location"]).path == "/" and "q=" in response.headers["Location"]


# --- SSRF through webhooks ------------------------------------------------------------
def fake_resolver(table: dict[str, list[str]]):
    """getaddrinfo for names in ``table``; no test reaches a real DNS server."""
    def resolve(host, port, type=0, **_kwargs):
        if host not in table:
            return socket.getaddrinfo(host, port, type=type)  # IP literals and localhost only
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in table[host]]
    return resolve


NAMES = {"loopback.example": ["127.0.0.1"], "mixed.example": ["93.184.215.14", "10.0.0.5"],
         "metadata.example": ["169.254.169.254"], "cgnat.example": ["100.64.0.1"], "mapped.example": ["::ffff:127.0.0.1"],
         "public.example": ["93.184.215.14"], "public6.example": ["2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}

SSRF_TARGETS = [
    "http://127.0.0.1/hook", "http://127.0.0.2:8080/", "http://localhost/hook", "http://localhost./hook",
    "http://10.1.2.3/hook", "http://172.16.0.1/", "http://192.168.1.1/", "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/latest/meta-data/", "http://100.64.0.1/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1]/", "http://[fc00::1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::1]/",
    "http://2130706433/", "http://0x7f000001/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/",
    "http://127.0.0.1./", "http://224.0.0.1/", "http://255.255.255.255/", "http://198.18.0.1/",
    "http://loopback.example/", "http://mixed.example/", "http://metadata.example/", "http://cgnat.example/",
    "http://mapped.example/", "file:///etc/passwd", "gopher://93.184.215.14/", "ftp://93.184.215.14/",
    "http://user:pw@93.184.215.14/", "http://93.184.215.14\\@127.0.0.1/", "http://93.184.215.14 /",
    "http:///hook", "http://[::1/", "http://93.184.215.14:99999/",
]


@pytest.mark.parametrize("url", SSRF_TARGETS)
def test_webhooks_to_anything_not_public_are_refused(url):
    with pytest.raises(RefusedDestination):
        check_url(url, resolve=fake_resolver(NAMES))


@pytest.mark.parametrize("url, address", [
    ("https://public.example/hook?x=1", "93.184.215.14"), ("http://93.184.215.14:8080/h", "93.184.215.14"),
    ("https://public6.example/", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
])
def test_public_webhooks_are_accepted_and_pinned_to_the_checked_address(url, address):
    target = check_url(url, resolve=fake_resolver(NAMES))
    assert target.address == address and target.host == urlsplit(url).hostname


def test_an_allowance_is_a_named_network_not_a_hole():
    from ipaddress import ip_network

    allowed = [ip_network("127.0.0.1/32")]
    assert check_url("http://127.0.0.1:9/hook", allow_networks=allowed).address == "127.0.0.1"
    for url in ("http://127.0.0.2/", "http://10.0.0.1/", "http://169.254.169.254/", "http://100.64.0.1/"):
        with pytest.raises(RefusedDestination):
            check_url(url, allow_networks=allowed)
    with pytest.raises(ConfigError):
        load_settings({"webhook_allow_networks": "127.0.0.1/33"}, environ={})


def test_the_saved_query_form_refuses_a_metadata_service_webhook(app, settings):
    client = app.test_client()
    register(client, "meta@example.org")
    page = client.get("/alerts/queries").get_data(as_text=True)
    for url in ("http://100.100.100.200/latest/meta-data/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/"):
        response = client.post("/alerts/queries", data={"csrf_token": token(page), "name": "x", "q": "复议",
                                                        "frequency": "daily", "webhook_url": url})
        assert response.status_code == 400 and "Webhook" in response.get_data(as_text=True), url
    with AlertsDB.open(settings.data_dir) as db:
        assert db.saved_queries() == []


def test_dns_rebinding_cannot_redirect_the_post(settings, monkeypatch):
    """The name is resolved once and checked; the POST goes to that address, whatever DNS says next."""
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.headers["Host"], json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    answers = iter(["127.0.0.1", "10.9.9.9", "10.9.9.9", "10.9.9.9"])  # first the allowed, then a private address
    lookups = []
    real = socket.getaddrinfo

    def rebinding(host, port_, *args, **kwargs):
        if host != "hook.example":
            return real(host, port_, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port_))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    allowed = settings.with_overrides(webhook_allow_networks="127.0.0.1/32")
    with AlertsDB.open(settings.data_dir) as db:
        user = db.create_user("hook@example.org", "", utc_now())
        saved = db.add_saved_query(user.id, "钩子", "复议", Filters(), "immediate", False, False,
                                   f"http://hook.example:{port}/in", utc_now())
    item = AlertItem(id="item-1", saved_query_id=saved.id, report_id="r", content_hash="h", kind="new", title="t",
                     details=ITEM_DETAILS, created_at=utc_now())
    try:
        assert post(allowed, item, saved) == 204
    finally:
        server.shutdown()
        server.server_close()
    assert lookups == ["hook.example"] and received[0][0] == f"hook.example:{port}"
    assert received[0][1]["id"] == "item-1"


# --- CSRF on every POST route -----------------------------------------------------------
CSRF_EXEMPT = {"alerts.unsubscribe"}  # its signed per-query token is the proof (RFC 8058 one-click POST)


def path_for(rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name in rule.arguments:
        assert name in values, f"{rule.rule}: give this test a value for <{name}>"
        path = re.sub(rf"<(?:\w+:)?{name}>", values[name], path)
    return path


def state(settings) -> tuple:
    with AlertsDB.open(settings.data_dir) as db:
        users = [(u["email"], u["password_hash"], u["feed_token"], u["session_token"])
                 for u in db.db.execute("SELECT * FROM users ORDER BY id")]
        return users, db.saved_queries(), db.db.execute("SELECT * FROM alert_items").fetchall()


def test_every_post_route_refuses_a_request_without_a_csrf_token(app, settings):
    client = app.test_client()
    register(client, "csrf@example.org")
    saved = saved_query_of(settings, "csrf@example.org")
    values = {"query_id": str(saved.id), "token": unsubscribe_token(settings, saved.id)}
    before = state(settings)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 10
    for rule in posts:
        path = path_for(rule, values)
        form = {"name": "x", "q": "y", "frequency": "daily", "email": "alice@example.org", "password": PASSWORD * 2,
                "confirm": PASSWORD * 2, "current": PASSWORD}
        if rule.endpoint in CSRF_EXEMPT:
            assert client.post(path_for(rule, {"token": "forged"})).status_code == 404
            continue
        refused = client.post(path, data=form)
        assert refused.status_code == 400, (rule.rule, refused.status_code)
        assert client.post(path, data={**form, "csrf_token": "forged"}).status_code == 400, rule.rule
    assert state(settings) == before
    assert client.get("/alerts/queries").status_code == 200  # still logged in: the logout POST was refused too


# --- IDOR on every object ---------------------------------------------------------------
ITEM_DETAILS = {"report": {"report_id": "r1", "title": "爱丽丝的提醒", "region": "浙江省", "report_year": 2024,
                           "report_kind": "法治政府建设年度报告", "issuer": "某县人民政府", "publish_date": None,
                           "synthetic": False},
                "query": "行政复议", "matches": 1,
                "paragraphs": [{"seq": 0, "section_path": [], "text": "行政复议", "highlight": "<mark>行政复议</mark>"}]}


def test_no_route_reaches_another_users_saved_query_items_or_feed(app, settings):
    alice, bob = app.test_client(), app.test_client()
    register(alice, "alice@example.org")
    register(bob, "bob@example.org")
    secret = saved_query_of(settings, "alice@example.org", name="爱丽丝的秘密订阅")
    with AlertsDB.open(settings.data_dir) as db:
        db.record_run([(AlertItem(id="alice-item", saved_query_id=secret.id, report_id="r1", content_hash="h",
                                  kind="new", title="爱丽丝的提醒", details=ITEM_DETAILS, created_at=utc_now()), ())],
                      {}, [],
                      utc_now())
        alice_record = db.user_by_email("alice@example.org")
    before = state(settings)
    bob_token = token(bob.get("/alerts/queries").get_data(as_text=True))
    object_routes = [rule for rule in app.url_map.iter_rules() if "query_id" in rule.arguments]
    assert len(object_routes) >= 3
    for rule in object_routes:
        path = path_for(rule, {"query_id": str(secret.id)})
        if "GET" in rule.methods:
            assert bob.get(path).status_code == 404, path
        if "POST" in rule.methods:
            assert bob.post(path, data={"csrf_token": bob_token, "name": "mine", "q": "x", "frequency": "daily",
                                        "webhook_url": ""}).status_code == 404, path
    for page in ("/alerts/queries", "/alerts/inbox", "/account/"):
        html = bob.get(page).get_data(as_text=True)
        assert "爱丽丝" not in html and alice_record.feed_token not in html, page
    bob.post("/alerts/inbox/read", data={"csrf_token": bob_token})
    assert bob.get(f"/feeds/{alice_record.feed_token[:-1]}.atom").status_code == 404
    assert state(settings) == before  # nothing of alice's changed, her item still unread
    assert "爱丽丝的提醒" in alice.get("/alerts/inbox").get_data(as_text=True)


# --- sessions end on the server ---------------------------------------------------------
def session_cookie(client) -> str:
    return client.get_cookie("session").value


def with_cookie(app, name: str, value: str):
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def test_a_copied_session_cookie_dies_at_logout(app):
    client = app.test_client()
    register(client, "copy@example.org")
    copied = session_cookie(client)
    assert with_cookie(app, "session", copied).get("/alerts/queries").status_code == 200
    logout(client)
    assert with_cookie(app, "session", copied).get("/alerts/queries").status_code == 302  # to the login page
    login(client, "copy@example.org")
    assert client.get("/alerts/queries").status_code == 200  # a fresh login works


def test_a_remember_me_cookie_dies_at_logout(app):
    client = app.test_client()
    register(client, "remember@example.org")
    logout(client)
    page = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"csrf_token": token(page), "email": "remember@example.org",
                                         "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token").value
    assert with_cookie(app, "remember_token", remembered).get("/alerts/queries").status_code == 200
    logout(client)
    assert with_cookie(app, "remember_token", remembered).get("/alerts/queries").status_code == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, settings):
    laptop, phone = app.test_client(), app.test_client()
    register(laptop, "change@example.org")
    login(phone, "change@example.org")
    page = laptop.get("/account/").get_data(as_text=True)
    wrong = laptop.post("/account/password", data={"csrf_token": token(page), "current": "not it",
                                                   "password": "a new password", "confirm": "a new password"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    assert phone.get("/alerts/queries").status_code == 200
    changed = laptop.post("/account/password", data={"csrf_token": token(page), "current": PASSWORD,
                                                     "password": "a new password", "confirm": "a new password"})
    assert changed.status_code == 302
    assert laptop.get("/alerts/queries").status_code == 200
    assert phone.get("/alerts/queries").status_code == 302
    assert login(phone, "change@example.org").status_code == 400  # the old password is gone
    assert login(phone, "change@example.org", "a new password").status_code == 302


def test_a_session_from_before_tokens_is_refused(app, settings):
    """Sessions made by the previous version hold only the user id: they must log in again."""
    client = app.test_client()
    register(client, "old@example.org")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id(settings, "old@example.org"))
    assert client.get("/alerts/queries").status_code == 302


def test_login_does_not_reveal_whether_an_address_has_an_account(app):
    """Registration does say so (README: no confirmation email to hide it behind); login never does."""
    client = app.test_client()
    register(client, "known@example.org")
    logout(client)
    unknown = login(client, "unknown@example.org", "whatever password")
    wrong = login(client, "known@example.org", "whatever password")
    assert unknown.status_code == wrong.status_code == 400
    message = re.compile(r'role="alert">([^<]*)<')
    assert message.findall(unknown.get_data(as_text=True)) == message.findall(wrong.get_data(as_text=True))
    taken = register(app.test_client(), "known@example.org")
    assert taken.status_code == 400 and "该邮箱已注册" in taken.get_data(as_text=True)
