"""Promise for any input (hypothesis): any value of any query parameter of every GET route gives
no 5xx — and neither does any value in a route's path.

The routes come from ``app.url_map`` and the parameter names from the app itself: a first
pass visits every GET route while recording which ``request.args`` names it reads, so a
route or parameter added later is fuzzed without editing this file. The client is logged
in and owns a saved query, so pages behind the login are reached too.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Request
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from werkzeug.datastructures import ImmutableMultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from account_support import register  # noqa: E402

from search.alerts.db import AlertsDB, Filters  # noqa: E402
from search.settings import load_settings  # noqa: E402
from search.store import Store, utc_now  # noqa: E402

READ: dict[str, set[str]] = {}  # endpoint → the query parameters it read


class RecordingArgs(ImmutableMultiDict):
    """request.args that notes every name a view asks for."""

    def _note(self, key):
        from flask import request

        READ.setdefault(request.endpoint or "?", set()).add(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingArgs


@pytest.fixture(scope="module")
def site(indexed_data, tmp_path_factory):
    """(client, routes): a logged-in client owning a saved query, and every GET route with real path values."""
    from web import create_app

    data_dir = tmp_path_factory.mktemp("fuzz-web") / "data"
    shutil.copytree(indexed_data.data_dir, data_dir)
    app_settings = load_settings({"data_dir": str(data_dir), "base_url": "http://govsearch.test"}, environ={})
    app = create_app(app_settings, {"TESTING": True})
    app.request_class = RecordingRequest
    client = app.test_client()
    register(client, "fuzz@example.org")
    with AlertsDB.open(data_dir) as db:
        user = db.user_by_email("fuzz@example.org")
        saved = db.add_saved_query(user.id, "复议", "行政复议", Filters(), "daily", False, True, None, utc_now())
    with Store.open(data_dir) as store:
        report_id = next(iter(store.content_hashes()))
    real = {"report_id": report_id, "query_id": str(saved.id), "token": user.feed_token, "filename": "style.css"}
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", real[name]).replace(f"<int:{name}>", real[name])
            path = path.replace(f"<path:{name}>", real[name])
        assert client.get(path + "?q=行政复议").status_code < 500, path  # the recording pass
        routes.append((rule, path))
    return client, routes


def test_the_recording_pass_found_the_parameters(site):
    _client, routes = site
    assert {"q", "region", "year", "topic", "kind", "from", "to", "sort", "page", "group"} <= READ["search.search_page"]
    assert "p" in READ["search.report_page"] and "next" in READ["accounts.login"]
    assert len(routes) >= 12


TRICKY = ["", "0", "-1", "--5", "²", "３", "1e9", "99999999999999999999", "9223372036854775808", "-9223372036854775809", "NaN", "行政复议」", "『", "%", "%zz", "\x00", "../..",
          "//evil.example", "/\t/evil", "/\r\n/evil", "\r\n", "<script>", "'", '"', "浙江省/杭州市", "relevance", "1"]
values = st.one_of(
    st.text(max_size=40),  # any text
    st.sampled_from(TRICKY),
    st.integers().map(str),
    # path- and query-like: what redirects, filters and the query syntax choke on
    st.text(alphabet="/\\\t\r\n\x00 .:%@?#&=-|\"()evil行政复议」『", max_size=16).map(lambda text: "/" + text),
    st.text(alphabet="/\\\t\r\n\x00 .:%@?#&=-|\"()evil行政复议」『", max_size=16),
)


def test_every_tricky_value_in_every_parameter_and_path_of_every_get_route_is_no_5xx(site):
    """A fixed sweep before the random search: each known-nasty value in all of a route's parameters at once,
    and in each of its path parts."""
    client, routes = site
    for rule, path in routes:
        names = sorted(READ.get(rule.endpoint, set())) + ["x"]
        for value in TRICKY:
            get_ok(client, path, [(name, value) for name in names])
            if rule.arguments and value:
                get_ok(client, path_with(rule, {name: value for name in rule.arguments}))


def get_ok(client, path: str, params=None) -> None:
    """GET, and fail naming the request when it is a 5xx (in tests Flask raises the view's exception)."""
    try:
        status = client.get(path, query_string=params).status_code
    except Exception as exc:  # noqa: BLE001 — the promise is "never", whatever it is
        pytest.fail(f"GET {path} {params!r} raised {type(exc).__name__}: {exc}")
    assert status < 500, (path, params, status)


def path_with(rule, values: dict[str, str]) -> str:
    """The rule's path with each argument replaced by a value (URL-quoted)."""
    path = rule.rule
    for name, value in values.items():
        for form in (f"<{name}>", f"<int:{name}>", f"<path:{name}>"):
            path = path.replace(form, quote(value, safe=""))
    return path


# No shrink phase: a failure names its request already, and shrinking examples of 14 requests takes minutes.
@settings(max_examples=25, deadline=10000, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_of_any_parameter_of_every_get_route_is_no_5xx(site, data):
    """Each example gives every GET route a value (or none) for each parameter it reads, plus a stray one."""
    client, routes = site
    for rule, path in routes:
        names = sorted(READ.get(rule.endpoint, set())) + ["x"]
        params = [(name, data.draw(values, label=f"{rule.endpoint} {name}"))
                  for name in names if data.draw(st.booleans())]
        get_ok(client, path, params)


@settings(max_examples=100, deadline=3000, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_value_in_a_path_is_no_5xx(site, data):
    client, routes = site
    rule, _path = data.draw(st.sampled_from([r for r in routes if r[0].arguments]), label="route")
    path = path_with(rule, {name: data.draw(st.text(min_size=1, max_size=30) | values.filter(bool), label=name)
                            for name in rule.arguments})
    get_ok(client, path)
