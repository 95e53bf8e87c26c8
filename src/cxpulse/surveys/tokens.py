"""Signed tokens for survey links, so a link can be trusted without a database lookup.

A token is `payload.mac`: the payload a compact JSON array of the claims, the mac
HMAC-SHA256 over a purpose tag and the payload, both URL-safe base64 without padding.
Survey links and signature links use different tags, so one can never pass for the
other. Verification checks the mac (constant time) before reading anything, refuses
non-canonical base64 (else a flipped padding bit would still verify), and turns every
kind of bad input into TokenInvalid — the web edge has one error to handle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from cxpulse.domain.errors import SurveyError, TokenExpired, TokenInvalid
from cxpulse.surveys.rules import as_utc

__all__ = ["Claims", "sign", "sign_employee", "sign_link", "verify", "verify_employee", "verify_link"]

_SURVEY_TAG = b"cxpulse/survey/v1\x00"
_LINK_TAG = b"cxpulse/link/v1\x00"
_EMPLOYEE_TAG = b"cxpulse/employee/v1\x00"  # an agent's employee-survey link
_VERSION = 1
_MAC_BYTES = hashlib.sha256().digest_size
_MAX_TOKEN = 2048  # longer input is refused before any work
_B64 = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Claims:
    """What a survey link says. expires_at is kept in UTC to the second; a naive
    datetime is read as UTC (the database stores naive UTC)."""

    invitation_id: int
    ticket_id: str
    customer_id: str
    survey_id: int
    score: int | None
    expires_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "expires_at", as_utc(self.expires_at).replace(microsecond=0))


def sign(secret: bytes, claims: Claims) -> str:
    """A token carrying the claims, for a one-click link (score) or the survey page (None)."""
    for name in ("invitation_id", "survey_id"):
        _check_int(name, getattr(claims, name))
    if claims.score is not None:
        _check_int("score", claims.score, low=None)
    for name in ("ticket_id", "customer_id"):
        if not isinstance(getattr(claims, name), str):
            raise SurveyError(f"{name}: expected text, got {getattr(claims, name)!r}")
    payload = [
        _VERSION,
        claims.invitation_id,
        claims.ticket_id,
        claims.customer_id,
        claims.survey_id,
        claims.score,
        int(claims.expires_at.timestamp()),
    ]
    return _seal(_key(secret), _SURVEY_TAG, payload)


def verify(secret: bytes, token: str, now: datetime) -> Claims:
    """The claims of a genuine token. Raises TokenInvalid for anything tampered, truncated
    or garbled, TokenExpired (a TokenInvalid) once `now` reaches the expiry."""
    key = _key(secret)
    fields = _open(key, _SURVEY_TAG, token, 7)
    version, invitation_id, ticket_id, customer_id, survey_id, score, expires = fields
    if not (
        version == _VERSION
        and _is_int(invitation_id)
        and isinstance(ticket_id, str)
        and isinstance(customer_id, str)
        and _is_int(survey_id)
        and (score is None or _is_int(score))
        and _is_int(expires)
    ):
        raise TokenInvalid("survey link: the token's contents are not understood")
    try:
        expires_at = datetime.fromtimestamp(expires, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise TokenInvalid("survey link: the token's expiry is not a date") from None
    claims = Claims(invitation_id, ticket_id, customer_id, survey_id, score, expires_at)
    if as_utc(now) >= claims.expires_at:
        raise TokenExpired(f"survey link expired at {claims.expires_at.isoformat()}")
    return claims


def sign_link(secret: bytes, account_id: int, survey_id: int, agent_id: str = "", ticket_id: str = "") -> str:
    """A token for a signature or chat link: names the survey (and agent); never expires.

    With `ticket_id` it is that ticket's own link: only such a link shows the ticket's
    subject on its page (a `?ticket=` on a survey-wide link is an unchecked hint)."""
    _check_int("account_id", account_id)
    _check_int("survey_id", survey_id)
    for name, value in (("agent_id", agent_id), ("ticket_id", ticket_id)):
        if not isinstance(value, str):
            raise SurveyError(f"{name}: expected text, got {value!r}")
    payload: list = [_VERSION, account_id, survey_id, agent_id]
    return _seal(_key(secret), _LINK_TAG, payload + [ticket_id] if ticket_id else payload)


def verify_link(secret: bytes, token: str) -> tuple[int, int, str]:
    """(account_id, survey_id, agent_id) of a genuine link token, else TokenInvalid."""
    return verify_ticket_link(secret, token)[:3]


def verify_ticket_link(secret: bytes, token: str) -> tuple[int, int, str, str]:
    """(account_id, survey_id, agent_id, ticket_id) of a genuine link token; ticket_id is ""
    for a survey-wide link, the ticket's id for a ticket's own link."""
    fields = _open(_key(secret), _LINK_TAG, token, (4, 5))
    version, account_id, survey_id, agent_id = fields[:4]
    ticket_id = fields[4] if len(fields) == 5 else ""
    if not (version == _VERSION and _is_int(account_id) and _is_int(survey_id) and isinstance(agent_id, str)
            and isinstance(ticket_id, str) and (len(fields) == 4 or ticket_id)):
        raise TokenInvalid("survey link: the token's contents are not understood")
    return account_id, survey_id, agent_id, ticket_id


def sign_employee(secret: bytes, invitation_id: int, survey_id: int, expires_at: datetime) -> str:
    """A token for one agent's employee-survey invitation: the invitation and survey, and the expiry.
    It names no agent; the invitation is marked used when answered, and the answer keeps neither."""
    _check_int("invitation_id", invitation_id)
    _check_int("survey_id", survey_id)
    return _seal(_key(secret), _EMPLOYEE_TAG, [_VERSION, invitation_id, survey_id, int(as_utc(expires_at).timestamp())])


def verify_employee(secret: bytes, token: str, now: datetime) -> tuple[int, int]:
    """(invitation_id, survey_id) of a genuine, unexpired employee-survey token; else TokenInvalid/TokenExpired."""
    version, invitation_id, survey_id, expires = _open(_key(secret), _EMPLOYEE_TAG, token, 4)
    if not (version == _VERSION and _is_int(invitation_id) and _is_int(survey_id) and _is_int(expires)):
        raise TokenInvalid("survey link: the token's contents are not understood")
    try:
        expires_at = datetime.fromtimestamp(expires, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise TokenInvalid("survey link: the token's expiry is not a date") from None
    if as_utc(now) >= expires_at:
        raise TokenExpired(f"survey link expired at {expires_at.isoformat()}")
    return invitation_id, survey_id


def _seal(key: bytes, tag: bytes, payload: list) -> str:
    try:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise SurveyError("ticket_id, customer_id or agent_id: text that is not valid Unicode") from None
    mac = hmac.new(key, tag + body, hashlib.sha256).digest()
    return f"{_b64encode(body)}.{_b64encode(mac)}"


def _open(key: bytes, tag: bytes, token: object, length: int | tuple[int, ...]) -> list:
    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        raise TokenInvalid("survey link: the token is not valid")
    parts = token.split(".")
    if len(parts) != 2:
        raise TokenInvalid("survey link: the token is incomplete")
    body, mac = (_b64decode(part) for part in parts)
    expected = hmac.new(key, tag + body, hashlib.sha256).digest()
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise TokenInvalid("survey link: the token's signature does not match")
    try:
        fields = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenInvalid("survey link: the token's contents are not understood") from None
    if not isinstance(fields, list) or len(fields) not in (length if isinstance(length, tuple) else (length,)):
        raise TokenInvalid("survey link: the token's contents are not understood")
    return fields


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise TokenInvalid("survey link: the token has characters a link never contains")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenInvalid("survey link: the token is garbled") from None
    if _b64encode(raw) != text:  # non-canonical: unused bits set, or an impossible length
        raise TokenInvalid("survey link: the token is garbled")
    return raw


def _key(secret: bytes | str) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, (bytes, bytearray)) or not secret:
        raise SurveyError("secret: an empty secret cannot sign survey links (set CXPULSE_SECRET or let cxpulse create one)")
    return bytes(secret)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(name: str, value: object, low: int | None = 0) -> None:
    if not _is_int(value) or (low is not None and value < low):
        bound = f"a whole number ≥ {low}" if low is not None else "a whole number"
        raise SurveyError(f"{name}: {value!r} is not allowed (allowed: {bound})")
