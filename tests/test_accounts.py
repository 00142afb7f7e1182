"""Accounts and saved-query pages: login, CSRF, cookies, and that nobody sees another user's queries."""
from __future__ import annotations

import re
import shutil

import pytest
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from search.alerts.db import AlertsDB
from search.settings import load_settings

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(indexed_data, tmp_path):
    """A private copy of the shared indexed data folder (accounts write to it)."""
    target = tmp_path / "data"
    shutil.copytree(indexed_data.data_dir, target)
    return load_settings({"data_dir": str(target), "base_url": "http://govsearch.test"}, environ={})


@pytest.fixture
def app(settings):
    from web import create_app

    return create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": True})


def token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def register(client, address: str, password: str = PASSWORD):
    page = client.get("/account/register").get_data(as_text=True)
    return client.post("/account/register", data={"csrf_token": token(page), "email": address,
                                                  "password": password, "confirm": password})


def login(client, address: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": token(page), "email": address, "password": password})


def logout(client):
    page = client.get("/").get_data(as_text=True)
    return client.post("/account/logout", data={"csrf_token": token(page)})


def save_search(client, search_url: str) -> tuple[dict, object]:
    """Submit the page's own "保存此检索" form with every field it carries."""
    soup = BeautifulSoup(client.get(search_url).get_data(as_text=True), "html.parser")
    form = soup.select_one("#save-search form")
    assert form is not None, "no save-search form on the page"
    data = []
    for field in form.select("input"):
        kind = field.get("type", "text")
        if kind in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        data.append((field["name"], field.get("value", "")))
    return data, client.post(form["action"], data=MultiDict(data))


def test_register_login_logout_with_hashed_password(app, settings):
    client = app.test_client()
    assert register(client, "Alice@Example.org").status_code == 302
    assert "alice@example.org" in client.get("/").get_data(as_text=True)
    with AlertsDB.open(settings.data_dir) as db:
        stored = db.user_by_email("alice@example.org").password_hash
    assert stored.startswith(("scrypt:", "pbkdf2:")) and PASSWORD not in stored
    assert logout(client).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "alice@example.org" not in page and "/account/login" in page
    wrong = login(client, "alice@example.org", "not the password")
    assert wrong.status_code == 400 and "邮箱或密码不正确" in wrong.get_data(as_text=True)
    assert login(client, "ALICE@example.org").status_code == 302
    assert client.get("/alerts/queries").status_code == 200
    assert register(app.test_client(), "alice@example.org").status_code == 400  # taken


def test_session_cookie_is_httponly_and_samesite_lax(app):
    client = app.test_client()
    response = register(client, "cookie@example.org")
    cookies = [value for key, value in response.headers.items() if key == "Set-Cookie"]
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_post_without_csrf_token_is_refused(app, settings):
    client = app.test_client()
    refused = client.post("/account/register", data={"email": "x@example.org", "password": PASSWORD,
                                                      "confirm": PASSWORD})
    assert refused.status_code == 400
    register(client, "csrf@example.org")
    forged = client.post("/alerts/queries", data={"name": "偷偷保存", "q": "行政复议", "frequency": "immediate"})
    assert forged.status_code == 400
    assert client.post("/account/logout").status_code == 400
    with AlertsDB.open(settings.data_dir) as db:
        assert db.saved_queries() == [] and db.user_by_email("x@example.org") is None


def test_pages_need_login_and_next_is_not_an_open_redirect(app):
    client = app.test_client()
    response = client.get("/alerts/inbox")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    register(client, "next@example.org")
    logout(client)
    assert login(client, "next@example.org", next_url="//evil.example/").headers["Location"] == "/"
    logout(client)
    assert login(client, "next@example.org", next_url="/alerts/inbox").headers["Location"] == "/alerts/inbox"


def test_save_search_form_keeps_query_and_every_filter(app, settings):
    client = app.test_client()
    anonymous = client.get("/?q=行政复议").get_data(as_text=True)
    assert 'id="save-search-button"' not in anonymous and "后可保存此检索" in anonymous
    register(client, "saver@example.org")
    data, response = save_search(client, "/?q=行政复议&region=浙江省&year=2022&topic=行政复议与行政应诉&from=2020&to=2023")
    assert response.status_code == 302, response.get_data(as_text=True)
    with AlertsDB.open(settings.data_dir) as db:
        [saved] = db.saved_queries()
    assert saved.query == "行政复议" and saved.frequency == "immediate"
    assert saved.filters.regions == ("浙江省",) and saved.filters.years == ("2022",)
    assert saved.filters.topics == ("review_litigation",) and (saved.filters.year_from, saved.filters.year_to) == (2020, 2023)
    assert saved.atom and not saved.email  # no SMTP configured here: email is offered unchecked
    listing = client.get("/alerts/queries").get_data(as_text=True)
    assert "行政复议" in listing and "浙江省" in listing


def own_saved_query(app, settings, address: str, search_url: str):
    """A new user's client, their one saved search, and its edit page."""
    client = app.test_client()
    register(client, address)
    save_search(client, search_url)
    with AlertsDB.open(settings.data_dir) as db:
        [saved] = db.saved_queries()
    return client, saved, client.get(f"/alerts/queries/{saved.id}").get_data(as_text=True)


def test_edit_pause_and_delete_own_saved_query(app, settings):
    client, saved, page = own_saved_query(app, settings, "owner@example.org", "/?q=行政复议&region=浙江省")
    edited = client.post(f"/alerts/queries/{saved.id}", data={
        "csrf_token": token(page), "name": "复议(每周)", "q": "行政复议 调解", "frequency": "weekly",
        "atom": "y", "webhook_url": ""})  # the region box left unticked: filter removed
    assert edited.status_code == 302
    bad = client.post(f"/alerts/queries/{saved.id}", data={
        "csrf_token": token(page), "name": "x", "q": "y", "frequency": "daily", "webhook_url": "http://127.0.0.1/x"})
    assert bad.status_code == 400 and "Webhook" in bad.get_data(as_text=True)
    client.post(f"/alerts/queries/{saved.id}/toggle", data={"csrf_token": token(page)})
    with AlertsDB.open(settings.data_dir) as db:
        changed = db.saved_query(saved.id)
    assert (changed.name, changed.query, changed.frequency) == ("复议(每周)", "行政复议 调解", "weekly")
    assert changed.filters.regions == () and not changed.active
    client.post(f"/alerts/queries/{saved.id}/delete", data={"csrf_token": token(page)})
    with AlertsDB.open(settings.data_dir) as db:
        assert db.saved_query(saved.id) is None


def test_user_b_cannot_read_or_change_user_a_saved_queries_or_feed(app, settings):
    alice, bob = app.test_client(), app.test_client()
    register(alice, "alice@example.org")
    save_search(alice, "/?q=行政复议")
    register(bob, "bob@example.org")
    with AlertsDB.open(settings.data_dir) as db:
        [saved] = db.saved_queries()
        alice_record = db.user_by_email("alice@example.org")
        bob_record = db.user_by_email("bob@example.org")
    bob_token = token(bob.get("/alerts/queries").get_data(as_text=True))
    assert bob.get(f"/alerts/queries/{saved.id}").status_code == 404
    assert bob.post(f"/alerts/queries/{saved.id}", data={"csrf_token": bob_token, "name": "mine", "q": "x",
                                                         "frequency": "daily"}).status_code == 404
    assert bob.post(f"/alerts/queries/{saved.id}/toggle", data={"csrf_token": bob_token}).status_code == 404
    assert bob.post(f"/alerts/queries/{saved.id}/delete", data={"csrf_token": bob_token}).status_code == 404
    assert "行政复议" not in bob.get("/alerts/queries").get_data(as_text=True)
    with AlertsDB.open(settings.data_dir) as db:
        untouched = db.saved_query(saved.id)
    assert untouched == saved
    assert bob.get(f"/feeds/{alice_record.feed_token}x.atom").status_code == 404
    assert alice_record.feed_token not in bob.get("/account/").get_data(as_text=True)
    assert bob_record.feed_token in bob.get("/account/").get_data(as_text=True)
    # Renewing the token kills the old feed URL.
    alice_token = token(alice.get("/account/").get_data(as_text=True))
    alice.post("/account/feed-token", data={"csrf_token": alice_token})
    assert alice.get(f"/feeds/{alice_record.feed_token}.atom").status_code == 404


def test_saved_query_name_cannot_break_out_of_its_delete_confirmation(app, settings):
    """The delete question is a data attribute read by app.js (no inline script for a name
    to escape from), and the CSP forbids inline scripts."""
    client, saved, page = own_saved_query(app, settings, "quotes@example.org", "/?q=行政复议")
    name = "x');alert(1);('\" onmouseover=\"alert(2)"
    client.post(f"/alerts/queries/{saved.id}", data={
        "csrf_token": token(page), "name": name, "q": "行政复议", "frequency": "daily", "atom": "y", "webhook_url": ""})
    response = client.get("/alerts/queries")
    listing = response.get_data(as_text=True)
    soup = BeautifulSoup(listing, "lxml")
    [form] = soup.select("form[data-confirm]")
    assert form["data-confirm"] == f"删除「{name}」及其提醒?"  # the attribute holds the name, quotes and all
    assert not [tag for tag in soup.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
