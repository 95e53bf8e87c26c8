"""Where webhooks may post: public addresses only, checked when the URL is
added and again, on the resolved address, at every delivery.

A check of the URL's text alone is bypassed by names (`localhost.`, `localhost.localdomain`,
any DNS name pointing at 10.0.0.5), escapes (`127.0.0.1%2e`) and IPv6 forms that carry an
IPv4 address (`::ffff:127.0.0.1`, 6to4 `2002:7f00:1::`, NAT64 `64:ff9b::7f00:1`). So each
delivery resolves the host, refuses it when any of its addresses is loopback, private,
link-local, multicast or reserved (judging the IPv4 address an IPv6 form embeds), and
connects to the very address it checked (the Host header and TLS name stay the URL's), so
a DNS answer that changes between check and connect (rebinding) cannot slip through.

The operator's allowance, for a receiver on the server's own network (tests use one on
loopback): CXPULSE_WEBHOOKS_ALLOW_HOSTS — a comma-separated list of host names or IP
literals, exactly as written in the URL — are posted to whatever they resolve to;
CXPULSE_WEBHOOKS_ALLOW_PRIVATE=1 allows every host (a test box, never a shared server).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

from cxpulse.config import Settings, env_name

ALLOW_HOSTS_ENV = env_name("webhooks_allow_hosts")
ALLOW_PRIVATE_ENV = env_name("webhooks_allow_private")
LOCAL_SUFFIXES = (".localhost", ".localdomain", ".local", ".internal", ".home.arpa")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the well-known prefix, an IPv4 address in the last 32 bits

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class RefusedTarget(Exception):
    """A webhook host that resolves to an address cxpulse will not post to."""


def normal_host(host: str) -> str:
    """The host as compared with the allowance: lower case, without the root's trailing dot(s).

    >>> normal_host("LocalHost.")
    'localhost'
    """
    return host.strip().lower().rstrip(".")


def allowed_hosts() -> frozenset[str]:
    """The hosts the operator allows on private addresses (CXPULSE_WEBHOOKS_ALLOW_HOSTS)."""
    raw = Settings.from_env().webhooks_allow_hosts
    return frozenset(h for h in (normal_host(p).strip("[]") for p in raw.split(",")) if h)


def all_private_allowed() -> bool:
    """CXPULSE_WEBHOOKS_ALLOW_PRIVATE=1: every host may be posted to, whatever it resolves to."""
    return Settings.from_env().webhooks_allow_private


def is_allowed(host: str) -> bool:
    """Whether the operator's setting lets this host be posted to on any address."""
    return all_private_allowed() or normal_host(host).strip("[]") in allowed_hosts()


def refusal(ip: IpAddress) -> str | None:
    """Why cxpulse will not post to this address (None: a public one). IPv6 forms that embed
    an IPv4 address — mapped, 6to4, NAT64 — are judged by that IPv4 address.

    >>> [refusal(ipaddress.ip_address(a)) for a in ("93.184.215.14", "64:ff9b::7f00:1", "2002:a00:1::", "fe80::1")]
    [None, 'loopback', 'private', 'link-local']
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link-local"
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None:
            return refusal(embedded)
    for what, yes in (("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
                      ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                      ("private", ip.is_private), ("reserved", ip.is_reserved), ("not public", not ip.is_global)):
        if yes:
            return what
    return None


def literal_refusal(host: str) -> str | None:
    """What the URL's host alone shows to be local (checked when a URL is added): a local
    name, an escape, or an IP literal — legacy forms too (`127.1`, `2130706433`). A DNS
    name is judged at delivery, on what it resolves to then."""
    name = normal_host(host)
    if "%" in name:
        return "an escaped or zoned host"
    if name == "localhost" or name.endswith(LOCAL_SUFFIXES) or name == "localhost.localdomain":
        return "a local name"
    ip = _ip_literal(name)
    why = refusal(ip) if ip is not None else None
    return f"a {why} address" if why else None


def _ip_literal(name: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))  # what the resolver would make of `127.1`
        except OSError:
            return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port (TCP), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_address(host: str, port: int, resolve: Resolver = system_resolver) -> str | None:
    """The address to connect to for host:port: the first one it resolves to, when none is
    refused; None when the operator allows the host (connect as usual). Raises RefusedTarget."""
    if is_allowed(host):
        return None
    name = normal_host(host).strip("[]")
    why = literal_refusal(name)
    if why:
        raise RefusedTarget(f"webhook host {host!r} is {why}; allow it with {ALLOW_HOSTS_ENV}={name}")
    try:
        addresses = resolve(name, port)
    except OSError as e:
        raise RefusedTarget(f"webhook host {host!r} does not resolve: {e}") from e
    for a in addresses:
        why = refusal(ipaddress.ip_address(a.split("%", 1)[0]))
        if why:
            raise RefusedTarget(f"webhook host {host!r} resolves to {a}, a {why} address; "
                                f"allow it with {ALLOW_HOSTS_ENV}={name}")
    if not addresses:
        raise RefusedTarget(f"webhook host {host!r} resolves to no address")
    return addresses[0]


def checked_transport(resolve: Resolver = system_resolver, **options: Any) -> Any:
    """An httpx2 transport that posts only to checked addresses, and connects to the address
    it checked: the request's URL gets that IP, its Host header and TLS server name (SNI,
    certificate check) stay the original host's."""
    import httpx2

    class CheckedTransport(httpx2.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx2.HTTPTransport(trust_env=False, **options)

        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            url = request.url
            address = checked_address(url.host, url.port or (443 if url.scheme == "https" else 80), resolve)
            if address is not None and address != url.host:
                if url.scheme == "https":
                    request.extensions = {**request.extensions, "sni_hostname": url.host}
                request.url = url.copy_with(host=address)
            return self.inner.handle_request(request)

        def close(self) -> None:
            self.inner.close()

    return CheckedTransport()
