"""Accounts: register, log in, log out, change the password, the account page; and the hook that wires the alerts UI.

``init_app`` (called by ``create_app``) sets up Flask-Login, CSRF protection on every
POST form (Flask-WTF), HttpOnly + SameSite=Lax cookies, and registers the accounts and
alerts blueprints. Passwords are hashed with werkzeug (scrypt).

Sessions end on the server: every login session (and remember-me cookie) carries the
user's session token beside the user id, checked on each request. Logging out and
changing the password renew the token, so a copied cookie stops working everywhere.
"""
from __future__ import annotations

import functools
import hmac
import logging
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from search.alerts.db import AccountExists, AlertsDB, User
from search.alerts.links import feed_url
from search.store import utc_now

LOGGER = logging.getLogger(__name__)

blueprint = Blueprint("accounts", __name__, url_prefix="/account")

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong address takes as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16))


class AccountUser(UserMixin):
    """The logged-in user as Flask-Login sees it."""

    def __init__(self, record: User, session_token: str):
        self.record = record
        self.id = record.id
        self.email = record.email
        self.session_token = session_token

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and the remember cookie: a renewed token voids them.
        return f"{self.id}:{self.session_token}"


def signed_in(record: User) -> AccountUser:
    """The user to hand to login_user, carrying the account's current session token."""
    return AccountUser(record, get_db().session_token(record.id))


def get_db() -> AlertsDB:
    """The alerts database for this request (opened once, closed at teardown)."""
    if "alerts_db" not in g:
        g.alerts_db = AlertsDB.open(current_app.config["GOVSEARCH_SETTINGS"].data_dir)
    return g.alerts_db


def _close_db(_exc=None) -> None:
    db = g.pop("alerts_db", None)
    if db is not None:
        db.close()


def safe_next(target: str | None) -> str | None:
    r"""A redirect target only if it is a path on this site (no open redirects, no header injection).

    Refused rather than repaired: any control, format or line-separator character (browsers
    and werkzeug drop a tab or newline, so ``/<TAB>/evil`` would become ``//evil``; CR/LF would
    split the header), any backslash (browsers read ``\`` as ``/``), ``//`` and ``/\`` (another
    host), and anything with a scheme or host (``https:evil``).

    >>> [safe_next(t) for t in ("/alerts/inbox?q=行政 复议", "/\t/evil", "//evil", "/\\evil", "https:evil", "/a\r\nb")]
    ['/alerts/inbox?q=行政 复议', None, None, None, None, None]
    """
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp")
                             for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class RegisterForm(FlaskForm):
    email = StringField("邮箱", validators=[DataRequired("请输入邮箱"), Length(max=254),
                                           Regexp(EMAIL_PATTERN, message="请输入有效的邮箱地址")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"),
                                               Length(min=8, max=200, message="密码至少 8 个字符")])
    confirm = PasswordField("确认密码", validators=[EqualTo("password", message="两次输入的密码不一致")])


class LoginForm(FlaskForm):
    email = StringField("邮箱", validators=[DataRequired("请输入邮箱"), Length(max=254)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])
    remember = BooleanField("记住我")


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("alerts.queries"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            record = get_db().create_user(form.email.data, generate_password_hash(form.password.data), utc_now())
        except AccountExists:
            form.email.errors.append("该邮箱已注册,请直接登录")
        else:
            login_user(signed_in(record))
            return redirect(safe_next(request.args.get("next")) or url_for("search.search_page"))
    return render_template("account_register.html", form=form), 400 if form.errors else 200


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("search.search_page"))
    form = LoginForm()
    if form.validate_on_submit():
        record = get_db().user_by_email(form.email.data)
        valid = check_password_hash(record.password_hash if record and record.password_hash else _dummy_hash(),
                                    form.password.data)
        if record and record.password_hash and valid:
            login_user(signed_in(record), remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("search.search_page"))
        form.password.errors.append("邮箱或密码不正确")
    return render_template("account_login.html", form=form), 400 if form.errors else 200


@blueprint.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        get_db().renew_session_token(current_user.id)  # this and every copy of the cookie, on every device
    logout_user()
    return redirect(url_for("search.search_page"))


class PasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), Length(max=200)])
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"),
                                                Length(min=8, max=200, message="密码至少 8 个字符")])
    confirm = PasswordField("确认新密码", validators=[EqualTo("password", message="两次输入的密码不一致")])


@blueprint.route("/password", methods=["POST"])
@login_required
def change_password():
    """A new password; every other session of the account ends, this one goes on."""
    form = PasswordForm()
    db = get_db()
    record = db.user(current_user.id)
    if form.validate_on_submit():
        if check_password_hash(record.password_hash, form.current.data):
            db.set_password(record.id, generate_password_hash(form.password.data))
            login_user(signed_in(db.user(record.id)))
            flash("密码已修改;其他设备上的登录均已退出。", "ok")
            return redirect(url_for("accounts.account"))
        form.current.errors.append("当前密码不正确")
    return _render_account(record, form), 400


@blueprint.route("/", methods=["GET"])
@login_required
def account():
    return _render_account(get_db().user(current_user.id), PasswordForm())


def _render_account(record: User, password_form: PasswordForm) -> str:
    settings = current_app.config["GOVSEARCH_SETTINGS"]
    return render_template("account_settings.html", user=record, feed=feed_url(settings, record.feed_token),
                           password_form=password_form)


@blueprint.route("/feed-token", methods=["POST"])
@login_required
def renew_feed_token():
    get_db().renew_feed_token(current_user.id)
    flash("已生成新的订阅源地址,旧地址已失效。", "ok")
    return redirect(url_for("accounts.account"))


def _load_user(session_id: str) -> AccountUser | None:
    """The user a session names, only while its token is the account's current one."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None  # includes sessions from before tokens existed: they log in again
    record = get_db().user(int(user_id))
    if record is None or not record.password_hash:
        return None
    if not hmac.compare_digest(get_db().session_token(record.id).encode(), token.encode()):
        return None
    return AccountUser(record, token)


def init_app(app: Flask) -> None:
    """Wire accounts, CSRF, cookies and the alerts pages into the app (called by create_app)."""
    settings = app.config["GOVSEARCH_SETTINGS"]
    secure = settings.base_url.startswith("https://")
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax")
    if secure:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    # A search page is often read for a while before "保存此检索": tokens live 8 hours, not 1.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    csrf = CSRFProtect(app)
    login_manager = LoginManager(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录。"
    login_manager.user_loader(_load_user)
    app.teardown_appcontext(_close_db)
    app.register_blueprint(blueprint)

    from . import alerts_views

    alerts_views.init_app(app, csrf)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", status=400, message="表单已过期或来源不明,请刷新页面后重试。"), 400

    @app.context_processor
    def unread_alerts():
        if current_user.is_authenticated:
            return {"unread_alerts": get_db().unread_count(current_user.id)}
        return {"unread_alerts": 0}
