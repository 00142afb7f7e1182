"""Saved queries (list, save, edit, pause, delete), the alert inbox, the Atom feed and unsubscribe.

A saved query is only ever looked up together with its owner's id, so anyone else gets
404, never 403: they cannot even learn that it exists. The feed and unsubscribe pages
need no login; their URLs carry a secret (the user's feed token, a signed token).
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from search.alerts.db import FREQUENCIES, Filters, SavedQuery
from search.alerts.events import EVENT_LABELS, ISSUERS, EventSettings, event_settings, set_events
from search.filters import check_filters
from search.alerts.feed import build_feed
from search.alerts.links import feed_url, read_unsubscribe_token
from search.alerts.mail import FREQUENCY_LABELS, KIND_LABELS, describe_filters
from search.alerts.destinations import allowed_networks, target_for
from search.store import utc_now

from .accounts import get_db

LOGGER = logging.getLogger(__name__)

blueprint = Blueprint("alerts", __name__)


def _settings():
    return current_app.config["GOVSEARCH_SETTINGS"]


class SavedQueryForm(FlaskForm):
    name = StringField("名称", validators=[DataRequired("请填写名称"), Length(max=100)])
    q = StringField("检索式", validators=[Optional(), Length(max=500)])
    # A plain field checked against FREQUENCIES (radio buttons in the template): RadioField's
    # choices API changes between wtforms 3.2 and 3.3.
    frequency = StringField("频率", validators=[AnyOf(FREQUENCIES, message="未知的频率")], default="immediate")
    email = BooleanField("邮件")
    atom = BooleanField("Atom 订阅源")
    webhook_url = StringField("Webhook URL", validators=[Optional(), Length(max=500)])

    def validate_webhook_url(self, field):
        if field.data:
            try:
                target_for(_settings(), field.data.strip())
            except ValueError as exc:
                raise ValidationError(f"Webhook 地址不可用:{exc}") from None


def filters_from_form() -> Filters:
    """The filters posted with the form (the same parameter names as the search page's URL);
    values no search can use are left out, as on the search page."""
    form = request.form
    return check_filters(**Filters.raw(form.getlist, form.get)).filters.ordered()


def owned(query_id: int) -> SavedQuery:
    """The current user's saved query, or 404 (also when it belongs to someone else)."""
    saved_query = get_db().saved_query(query_id, user_id=current_user.id)
    if saved_query is None:
        abort(404)
    return saved_query


def _render_form(form: SavedQueryForm, filters: Filters, saved_query: SavedQuery | None, status: int = 200):
    items = get_db().items(current_user.id, saved_query.id, limit=20) if saved_query else []
    chosen = event_settings(get_db(), saved_query.id) if saved_query else EventSettings()
    return render_template("alerts_query_edit.html", form=form, filters=filters, saved_query=saved_query,
                           items=items, describe=describe_filters, kind_labels=KIND_LABELS,
                           frequency_labels=FREQUENCY_LABELS, events=chosen, event_labels=EVENT_LABELS), status


def events_from_form() -> tuple[list[str], str]:
    """The events and issuers the form chose (unknown values left out; none means matches)."""
    events = [e for e in request.form.getlist("event") if e in EVENT_LABELS]
    issuers = request.form.get("issuers", "any")
    return events, issuers if issuers in ISSUERS else "any"


@blueprint.route("/alerts/queries", methods=["GET"])
@login_required
def queries():
    db = get_db()
    rows = [(q, db.query_counts(q.id)) for q in db.saved_queries(current_user.id)]
    return render_template("alerts_queries.html", rows=rows, describe=describe_filters,
                           frequency_labels=FREQUENCY_LABELS)


@blueprint.route("/alerts/queries", methods=["POST"])
@login_required
def create():
    form = SavedQueryForm()
    filters = filters_from_form()
    valid = form.validate_on_submit()
    empty = not (form.q.data or "").strip() and filters.is_empty()
    if valid and not empty:
        saved_query = get_db().add_saved_query(
            current_user.id, form.name.data.strip(), (form.q.data or "").strip(), filters, form.frequency.data,
            form.email.data, form.atom.data, (form.webhook_url.data or "").strip() or None, utc_now())
        flash(f"已保存检索「{saved_query.name}」:今后新收录的匹配报告会通知您。", "ok")
        return redirect(url_for("alerts.queries"))
    if empty:
        form.q.errors = list(form.q.errors) + ["请填写检索式或至少选择一个筛选条件"]
    return _render_form(form, filters, None, 400)


@blueprint.route("/alerts/queries/<int:query_id>", methods=["GET", "POST"])
@login_required
def edit(query_id: int):
    saved_query = owned(query_id)
    if request.method == "GET":
        form = SavedQueryForm(data={"name": saved_query.name, "q": saved_query.query,
                                    "frequency": saved_query.frequency, "email": saved_query.email,
                                    "atom": saved_query.atom, "webhook_url": saved_query.webhook_url or ""})
        return _render_form(form, saved_query.filters, saved_query)
    form = SavedQueryForm()
    filters = filters_from_form()
    if form.validate_on_submit():
        get_db().update_saved_query(
            saved_query.id, utc_now(), name=form.name.data.strip(), query=(form.q.data or "").strip(),
            filters=filters, frequency=form.frequency.data, email=form.email.data, atom=form.atom.data,
            webhook_url=(form.webhook_url.data or "").strip() or None)
        if "events_form" in request.form:  # the edit page shows the events: set them as checked
            set_events(get_db(), saved_query.id, *events_from_form())
        flash("已更新。", "ok")
        return redirect(url_for("alerts.edit", query_id=saved_query.id))
    return _render_form(form, filters, saved_query, 400)


@blueprint.route("/alerts/queries/<int:query_id>/delete", methods=["POST"])
@login_required
def delete(query_id: int):
    saved_query = owned(query_id)
    get_db().delete_saved_query(saved_query.id)
    flash(f"已删除「{saved_query.name}」。", "ok")
    return redirect(url_for("alerts.queries"))


@blueprint.route("/alerts/queries/<int:query_id>/toggle", methods=["POST"])
@login_required
def toggle(query_id: int):
    saved_query = owned(query_id)
    get_db().update_saved_query(saved_query.id, utc_now(), active=not saved_query.active)
    flash(f"「{saved_query.name}」已{'暂停' if saved_query.active else '恢复'}。", "ok")
    return redirect(url_for("alerts.queries"))


@blueprint.route("/alerts/inbox")
@login_required
def inbox():
    items = get_db().items(current_user.id, limit=200)
    return render_template("alerts_inbox.html", items=items, kind_labels=KIND_LABELS,
                           feed=feed_url(_settings(), get_db().user(current_user.id).feed_token))


@blueprint.route("/alerts/inbox/read", methods=["POST"])
@login_required
def mark_read():
    get_db().mark_read(current_user.id, utc_now())
    return redirect(url_for("alerts.inbox"))


@blueprint.route("/feeds/<token>.atom")
def feed(token: str):
    user = get_db().user_by_feed_token(token) if token else None
    if user is None:
        abort(404)
    body = build_feed(_settings(), user, get_db().items(user.id, limit=100, atom_only=True))
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "private, max-age=300"})


@blueprint.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET shows one button; POST (the button, or a mail client's RFC 8058 one-click POST) unsubscribes.

    A GET never unsubscribes: link scanners in mail systems fetch every link.
    """
    query_id = read_unsubscribe_token(_settings(), token)
    saved_query = get_db().saved_query(query_id) if query_id is not None else None
    if saved_query is None:
        abort(404)
    done = request.method == "POST"
    if done and saved_query.email:
        get_db().update_saved_query(saved_query.id, utc_now(), email=False)
        LOGGER.info("saved query %s: email unsubscribed", saved_query.id)
    return render_template("alerts_unsubscribe.html", saved_query=saved_query, done=done or not saved_query.email)


def init_app(app: Flask, csrf) -> None:
    """Register the alerts pages; unsubscribe is CSRF-exempt because its signed token is the proof."""
    allowed_networks(app.config["GOVSEARCH_SETTINGS"].webhook_allow_networks)  # a bad list fails at start-up
    csrf.exempt(unsubscribe)
    app.register_blueprint(blueprint)
