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


def base_url(settings: Settings | None = None) -> str:
    """Where the survey pages are served (`cxpulse serve`), as customers reach them."""
    return (settings or Settings.from_env()).base_url.rstrip("/")


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
