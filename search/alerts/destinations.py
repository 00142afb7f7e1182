"""Where a webhook may point: a public address, resolved once and pinned for the POST.

Webhook URLs are typed by users, and the server POSTs to them: without a check a user
could make it call its own neighbourhood (loopback, the private network, a cloud
metadata service at 169.254.169.254 or 100.100.100.200). So every address the host name
resolves to must be globally routable (``ip.is_global``), also once unwrapped from
IPv4-mapped, 6to4, Teredo and NAT64 IPv6 forms; numeric hosts in forms parsers disagree
on (``2130706433``, ``0x7f.1``, ``0177.0.0.1``) are refused outright. The POST then goes
to the very address that was checked (``WebhookTarget.address``), with the name only in
the Host header and TLS, so a DNS answer that changes between check and POST (DNS
rebinding) cannot reach anything else.

Operators may allow more with the settings ``webhook_allow_networks`` (a list of
networks, e.g. ``127.0.0.1/32`` for a receiver on the same machine) or
``webhook_allow_private`` (any address).
"""
from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A host made only of numbers, dots and hex: an IPv4 address, or a form only some parsers read as one.
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]*))*\.?$", re.I)
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class RefusedDestination(ValueError):
    """A webhook URL that is unusable or points where the server must not send."""


@dataclass(frozen=True)
class WebhookTarget:
    """A checked webhook URL: the address to connect to, and the name to present."""

    scheme: str  # http | https
    host: str  # the name as typed (IDNA), for the Host header, SNI and the certificate
    port: int
    address: str  # the checked IP the POST connects to
    path: str  # path and query

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def allowed_networks(value: Any) -> tuple[IPNetwork, ...]:
    """Parse ``webhook_allow_networks`` (a comma-separated string or a list of CIDR networks)."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())
    except ValueError as exc:
        raise ConfigError(f"webhook_allow_networks: {exc}") from None


def embedded(ip: IPAddress) -> list[IPAddress]:
    """The address and any IPv4 address it carries (IPv4-mapped, 6to4, Teredo, NAT64)."""
    found: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour:
            found.append(ip.sixtofour)
        if ip.teredo:
            found.extend(ip.teredo)
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(ip: IPAddress) -> bool:
    """Globally routable, and so is every IPv4 address wrapped inside it."""
    return all(one.is_global and not (one.is_multicast or one.is_reserved or one.is_unspecified
                                      or one.is_loopback or one.is_link_local) for one in embedded(ip))


def check_url(url: str, allow_private: bool = False, allow_networks: Iterable[IPNetwork] = (),
              resolve=None) -> WebhookTarget:
    """The target a webhook URL may be POSTed to; raises RefusedDestination (a ValueError) otherwise."""
    if not isinstance(url, str) or _UNSAFE_URL_CHARS.search(url):
        raise RefusedDestination("webhook URL must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedDestination("webhook URL is malformed") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedDestination("webhook URL must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedDestination("webhook URL must not carry a user name or password")
    host = parts.hostname
    try:
        host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise RefusedDestination(f"webhook host {parts.hostname!r} is not a valid name") from None
    if _NUMERIC_HOST.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise RefusedDestination(f"webhook host {host} is a numeric address in a non-standard form") from None
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = (resolve or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedDestination(f"cannot resolve {host}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise RefusedDestination(f"cannot resolve {host}")
    networks = tuple(allow_networks)
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not (allow_private or is_public(ip) or any(one in network for one in embedded(ip)
                                                        for network in networks if one.version == network.version)):
            raise RefusedDestination(f"webhook host {host} resolves to a non-public address ({ip})")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookTarget(parts.scheme, host, port, addresses[0].split("%", 1)[0], path)


def target_for(settings, url: str) -> WebhookTarget:
    """check_url with the allowances the settings give (``webhook_allow_private``, ``webhook_allow_networks``)."""
    return check_url(url, bool(settings.webhook_allow_private), allowed_networks(settings.webhook_allow_networks))
