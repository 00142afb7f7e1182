"""One settings object, declared once.

Each setting has a name, a default, help text and a ``GOVSEARCH_<NAME>`` environment
variable. Values come from (lowest first) the defaults, ``<data_dir>/govsearch.toml``,
the environment, then explicit overrides (CLI options, test config). Unknown keys in
the file or in overrides are an error at start-up, never a silent default.
"""
from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _timezone(value: str) -> str:
    """An IANA time zone name (Asia/Shanghai), checked against the system's zone database."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None
    return name


def _engine(value: str) -> str:
    name = str(value).strip().lower()
    if name not in ("whoosh", "opensearch"):
        raise ValueError(f"unknown engine {value!r} (whoosh or opensearch)")
    return name


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"not a count: {value!r}")
    return number


def _networks(value: str) -> tuple[str, ...]:
    """Comma-separated CIDR networks, each checked ('127.0.0.1/32, ::1/128')."""
    networks = tuple(part.strip() for part in value.split(",") if part.strip())
    for network in networks:
        ipaddress.ip_network(network, strict=False)  # ValueError: reported as a bad value
    return networks


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "index_data", "Folder for the store, the indexes and settings."),
    Setting("max_page_bytes", 10 * 1024 * 1024, "Pages larger than this are refused.", int),
    Setting("base_url", "http://127.0.0.1:5000", "Public URL of the web app, used in alert links."),
    Setting("secret_key", "", "Flask secret key; generated and kept in the data folder when empty."),
    Setting("smtp_host", "", "SMTP server for alert emails; empty disables email."),
    Setting("smtp_port", 25, "SMTP port.", int),
    Setting("smtp_tls", "none", "none, starttls or ssl."),
    Setting("smtp_user", "", "SMTP login user (empty: no login)."),
    Setting("smtp_password", "", "SMTP login password."),
    Setting("smtp_sender", "govsearch@localhost", "From address of alert emails."),
    Setting("webhook_allow_private", False,
            "Allow alert webhooks to loopback/private addresses (off: users could make the server call its neighbours).",
            _bool),
    Setting("webhook_allow_networks", (),
            "Networks alert webhooks may reach although not public, comma-separated CIDR (e.g. 127.0.0.1/32 for a "
            "receiver on this machine); empty: public addresses only.", _networks),
    Setting("crawl_user_agent", "govsearch-crawler/0.1 (+https://example.invalid/govsearch)",
            "User agent the crawler names itself with."),
    Setting("crawl_delay", 1.0, "Default seconds between requests to one host.", float),
    Setting("crawl_timeout", 20.0, "Seconds before a request times out.", float),
    Setting("crawl_max_bytes", 15 * 1024 * 1024, "Largest response the crawler keeps.", int),
    Setting("results_per_page", 20, "Hits per page in the web UI.", int),
    Setting("serve_threads", 8, "Worker threads of the WSGI server.", int),
    Setting("search_cache_mb", 128, "Memory a Whoosh searching process keeps for postings and match sets "
            "across searches (0: none).", int),
    Setting("engine", "whoosh", "Search engine: whoosh (embedded, in the data folder) or opensearch (a cluster).",
            _engine),
    Setting("opensearch_url", "http://127.0.0.1:9200",
            "OpenSearch node URL(s), comma-separated (requests fail over to the next when one does not answer)."),
    Setting("opensearch_index", "govsearch",
            "Alias the paragraphs are searched under; each full reindex builds <alias>-<time> and swaps the alias."),
    Setting("opensearch_shards", 2, "Primary shards of a new OpenSearch index (about 5-10 million paragraphs each).",
            _positive),
    Setting("opensearch_replicas", 1, "Replicas of each shard (1: a node may fail without losing searches).",
            _positive),
    Setting("opensearch_user", "", "OpenSearch user (HTTP basic auth; empty: none)."),
    Setting("opensearch_password", "", "OpenSearch password."),
    Setting("opensearch_verify_certs", True, "Verify the cluster's TLS certificate (https URLs).", _bool),
    Setting("opensearch_ca_certs", "", "CA bundle (PEM file) the cluster's certificate is checked against."),
    Setting("opensearch_timeout", 60.0, "Seconds before a request to the cluster times out.", float),
    Setting("timezone", "Asia/Shanghai", "Time zone the web pages show times in (alert times; stored as UTC).",
            _timezone),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


class Settings:
    """Resolved settings; attribute access by setting name (``settings.data_dir``)."""

    def __init__(self, values: dict[str, Any]):
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with some settings replaced (validated like any other source)."""
        values = dict(self._values)
        values.update(_validated(overrides, "override"))
        return Settings(values)


def _validated(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    values = {}
    for key, value in raw.items():
        setting = _BY_NAME.get(key)
        if setting is None:
            known = ", ".join(sorted(_BY_NAME))
            raise ConfigError(f"unknown setting {key!r} in {origin} (known: {known})")
        if value is None:
            continue
        try:
            values[key] = setting.parse(value) if isinstance(value, str) else value
        except ValueError as exc:
            raise ConfigError(f"bad value for {key} in {origin}: {exc}") from None
    return values


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Resolve every setting from defaults, the data folder's TOML, the environment and overrides."""
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = {setting.name: setting.default for setting in SETTINGS}
    from_env = {}
    for setting in SETTINGS:
        env_name = "GOVSEARCH_" + setting.name.upper()
        if env_name in environ:
            from_env[setting.name] = environ[env_name]
    # The data folder decides where the TOML lives, so resolve it first.
    data_dir = overrides.get("data_dir") or from_env.get("data_dir") or values["data_dir"]
    config_file = Path(data_dir) / "govsearch.toml"
    if config_file.exists():
        try:
            from_file = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
        values.update(_validated(from_file, str(config_file)))
    values.update(_validated(from_env, "environment"))
    values.update(_validated(overrides, "options"))
    values["data_dir"] = str(data_dir)
    return Settings(values)
