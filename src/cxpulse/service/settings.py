"""Survey settings: the signing secret, the public base URL of the pages, SMTP.

The secret signs every survey link; it comes from CXPULSE_SECRET, else it is generated
once and kept in the database's `settings` table, so links stay valid across runs and
machines sharing the database. SMTP and the base URL come from the environment (the way
cron and systemd pass configuration), read through cxpulse.config like every setting.
"""

from __future__ import annotations

import secrets as _secrets
from dataclasses import dataclass

from cxpulse.config import Settings, env_name
from cxpulse.domain import InvalidQuery, SurveyError
from cxpulse.storage import Store
from cxpulse.storage import surveys as survey_store

SECRET_KEY = "secret"
SECURITIES = ("none", "starttls", "ssl")


def secret(store: Store, settings: Settings | None = None) -> bytes:
    """CXPULSE_SECRET, else the stored secret — created on first use; two processes
    creating it at once keep whichever was inserted first."""
    env = (settings or Settings.from_env()).secret
    if env:
        return env.encode()
    with store.engine.connect() as conn:
        value = survey_store.get_setting(conn, SECRET_KEY)
    if value is None:
        with store.engine.begin() as conn:
            survey_store.put_setting_if_absent(conn, SECRET_KEY, _secrets.token_urlsafe(32))
        with store.engine.connect() as conn:
            value = survey_store.get_setting(conn, SECRET_KEY)
    assert value is not None
    return value.encode()


TRUSTED_PROXIES_ENV = env_name("trusted_proxies")


def trusted_proxies(value: str | None = None) -> list[str]:
    """The peers whose X-Forwarded-For / X-Forwarded-Proto the server believes: addresses
    or networks (`10.0.0.5`, `10.0.0.0/8`, `::1`), or `*`; none by default.

    A client's address decides the per-address limits (signature-link votes). Believing
    the header from any local peer would let anyone behind a same-host proxy, or on the
    host, pick the address they are counted under. `value` defaults to
    CXPULSE_TRUSTED_PROXIES; a malformed entry is an error, never silently ignored."""
    import ipaddress

    text = Settings.from_env().trusted_proxies if value is None else value
    entries = [x.strip() for x in text.split(",") if x.strip()]
    if entries == ["*"]:
        return entries
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False) if "/" in entry else ipaddress.ip_address(entry)
        except ValueError:
            raise InvalidQuery(
                f"{TRUSTED_PROXIES_ENV} / --trusted-proxies: {entry!r} is not an IP address or network; "
                "give the proxy's address, e.g. 127.0.0.1 or 10.0.0.0/8, comma-separated, or * for any"
            ) from None
    return entries


BASE_URL_ENV = env_name("base_url")
BASE_URL_KEY = "base_url"  # the `settings` row where `cxpulse serve` records the address it serves on
DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # `cxpulse serve`'s own default address
BASE_URL_HOW = (f"set {BASE_URL_ENV} to the address customers reach `cxpulse serve` on "
                f"(e.g. {BASE_URL_ENV}=https://survey.example.com), or start `cxpulse serve --base-url URL` "
                "once on this database: the server records its address for the commands that make links")


@dataclass(frozen=True)
class BaseUrl:
    """Where survey links point, and where that came from: "setting" (CXPULSE_BASE_URL or
    `serve --base-url`), "server" (recorded by the last `cxpulse serve` on this database)
    or "default" (nothing set: `cxpulse serve`'s default address, likely wrong for customers)."""

    url: str
    source: str

    @property
    def note(self) -> str:
        """What to tell whoever prints links built on a default; "" otherwise."""
        if self.source != "default":
            return ""
        return (f"no base URL is set, so these links point at {self.url}, `cxpulse serve`'s default address: "
                f"{BASE_URL_HOW}")


def check_base_url(text: str, name: str = BASE_URL_ENV) -> str:
    """`text` as a base URL (`http(s)://host[:port][/path]`, no trailing slash); a SurveyError
    naming `name` (the variable or option it came from) otherwise."""
    from urllib.parse import urlsplit

    url = text.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SurveyError(f"{name}: {text!r} is not a base URL; give the address customers reach `cxpulse serve` "
                          "on, e.g. https://survey.example.com or http://203.0.113.5:8080")
    return url


def resolve_base_url(store: Store | None = None, settings: Settings | None = None) -> BaseUrl:
    """CXPULSE_BASE_URL when set, else what `cxpulse serve` recorded in `store`, else the default."""
    configured = (settings or Settings.from_env()).base_url
    if configured.strip():
        return BaseUrl(check_base_url(configured), "setting")
    if store is not None:
        with store.engine.connect() as conn:
            recorded = survey_store.get_setting(conn, BASE_URL_KEY)
        if recorded:
            return BaseUrl(recorded, "server")
    return BaseUrl(DEFAULT_BASE_URL, "default")


def base_url(store: Store | None = None, settings: Settings | None = None) -> str:
    """Where the survey pages are served (`cxpulse serve`), as customers reach them."""
    return resolve_base_url(store, settings).url


def record_server_base_url(store: Store, url: str) -> None:
    """`cxpulse serve` notes where it serves, so a command making links later (cron's
    `surveys send-due`, `surveys link`) builds them on the server's real address."""
    with store.engine.begin() as conn:
        survey_store.put_setting(conn, BASE_URL_KEY, check_base_url(url))


def serving_url(host: str, port: int) -> str:
    """The address a server listening on host:port is reached at from this machine
    (every interface: 127.0.0.1; an IPv6 address in brackets)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


@dataclass
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    sender: str = "cxpulse@localhost"
    ca_file: str = ""  # a CA bundle to trust for STARTTLS/SSL (a private CA); default: the system's

    def __post_init__(self) -> None:
        if self.security not in SECURITIES:
            raise SurveyError(f"SMTP security {self.security!r} is not one of {', '.join(SECURITIES)}")

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> "SmtpSettings":
        """CXPULSE_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD, _FROM, _CA_FILE (docs/configuration.md)."""
        s = settings or Settings.from_env()
        security = s.smtp_security.lower()
        port_text = s.smtp_port or {"ssl": "465", "starttls": "587"}.get(security, "25")
        try:
            port = int(port_text)
        except ValueError:
            raise SurveyError(f"CXPULSE_SMTP_PORT {port_text!r} is not a port number, e.g. 587") from None
        return cls(
            host=s.smtp_host,
            port=port,
            security=security,
            user=s.smtp_user,
            password=s.smtp_password,
            sender=s.smtp_from,
            ca_file=s.smtp_ca_file,
        )
