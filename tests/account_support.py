"""Helpers for tests that act as a user of the web app: CSRF tokens, register, log in, log out."""
from __future__ import annotations

import re

PASSWORD = "correct horse battery"


def token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def register(client, address: str, password: str = PASSWORD):
    page = client.get("/account/register").get_data(as_text=True)
    return client.post("/account/register", data={"csrf_token": token(page), "email": address,
                                                  "password": password, "confirm": password})


def login(client, address: str, password: str = PASSWORD, next_url: str | None = None):
    page = client.get("/account/login").get_data(as_text=True)
    query = {"next": next_url} if next_url is not None else None
    return client.post("/account/login", query_string=query,
                       data={"csrf_token": token(page), "email": address, "password": password})


def logout(client):
    page = client.get("/").get_data(as_text=True)
    return client.post("/account/logout", data={"csrf_token": token(page)})
