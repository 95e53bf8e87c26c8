"""Signed links: genuine tokens round-trip; anything else is TokenInvalid, nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpulse.domain.errors import SurveyError, TokenExpired, TokenInvalid
from cxpulse.surveys.tokens import Claims, sign, sign_link, verify, verify_link

SECRET = b"k" * 32
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

ids = st.text(max_size=40)
claims = st.builds(
    Claims,
    invitation_id=st.integers(0, 2**53),
    ticket_id=ids,
    customer_id=ids,
    survey_id=st.integers(0, 2**31),
    score=st.none() | st.integers(0, 10),
    expires_at=st.datetimes(
        min_value=datetime(2025, 3, 1, 12, 0, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
    ).map(lambda d: d.replace(microsecond=0)),
)


def typical() -> Claims:
    return Claims(123456, "48213", "90210", 7, 5, NOW + timedelta(days=28))


@given(claims)
def test_verify_returns_what_was_signed(c):
    token = sign(SECRET, c)
    assert verify(SECRET, token, NOW) == c


@given(claims, st.data())
def test_flipping_any_character_is_invalid(c, data):
    token = sign(SECRET, c)
    i = data.draw(st.integers(0, len(token) - 1))
    new = data.draw(st.sampled_from(URL_SAFE + ".=+/ é").filter(lambda ch: ch != token[i]))
    with pytest.raises(TokenInvalid) as caught:
        verify(SECRET, token[:i] + new + token[i + 1 :], NOW)
    assert type(caught.value) is TokenInvalid


@given(claims, st.data())
def test_truncating_is_invalid(c, data):
    token = sign(SECRET, c)
    cut = data.draw(st.integers(0, len(token) - 1))
    with pytest.raises(TokenInvalid):
        verify(SECRET, token[:cut], NOW)
    with pytest.raises(TokenInvalid):
        verify(SECRET, token[len(token) - cut :] if cut else "", NOW)


@settings(max_examples=300)
@given(st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_-]{0,120}\.[A-Za-z0-9_-]{0,60}", fullmatch=True))
def test_garbage_is_invalid_and_nothing_else(text):
    with pytest.raises(TokenInvalid):
        verify(SECRET, text, NOW)
    with pytest.raises(TokenInvalid):
        verify_link(SECRET, text)


@pytest.mark.parametrize("garbage", [None, 42, b"abc.def", "a" * 100_000, "..", "a.b.c", "=.="])
def test_odd_inputs_are_invalid(garbage):
    with pytest.raises(TokenInvalid):
        verify(SECRET, garbage, NOW)  # type: ignore[arg-type]


def test_appending_is_invalid():
    token = sign(SECRET, typical())
    for extra in ("A", "=", "==", ".", "\n"):
        with pytest.raises(TokenInvalid):
            verify(SECRET, token + extra, NOW)


def test_past_expiry_is_expired():
    c = typical()
    token = sign(SECRET, c)
    assert verify(SECRET, token, c.expires_at - timedelta(seconds=1)) == c
    for now in (c.expires_at, c.expires_at + timedelta(days=400)):
        with pytest.raises(TokenExpired):
            verify(SECRET, token, now)
    assert issubclass(TokenExpired, TokenInvalid)


def test_a_different_secret_is_invalid_not_expired():
    token = sign(SECRET, replace(typical(), expires_at=NOW - timedelta(days=1)))
    with pytest.raises(TokenInvalid) as caught:
        verify(b"another secret", token, NOW)
    assert type(caught.value) is TokenInvalid


def test_every_claim_is_signed():
    """Changing any one claim changes the token, and the new token only verifies under its own claims."""
    base = typical()
    variants = [
        replace(base, invitation_id=123457),
        replace(base, ticket_id="48214"),
        replace(base, customer_id="90211"),
        replace(base, survey_id=8),
        replace(base, score=1),
        replace(base, score=None),
        replace(base, expires_at=base.expires_at + timedelta(seconds=1)),
    ]
    tokens = {sign(SECRET, v) for v in variants} | {sign(SECRET, base)}
    assert len(tokens) == len(variants) + 1
    mac = sign(SECRET, base).split(".")[1]
    for v in variants:
        payload = sign(SECRET, v).split(".")[0]
        with pytest.raises(TokenInvalid):
            verify(SECRET, f"{payload}.{mac}", NOW)


def test_tokens_are_short_and_url_safe():
    token = sign(SECRET, typical())
    assert len(token) < 200
    assert set(token) <= set(URL_SAFE + ".")
    uuid_like = replace(typical(), ticket_id="8f14e45f-ceea-467f-a0e6-0b7e8f2c4a1d", customer_id="c9f0f895-fb98-4b9e-9a3e-2f5b8c6d7e1a")
    assert len(sign(SECRET, uuid_like)) < 200


def test_naive_expiry_is_utc_and_seconds_are_kept():
    naive = Claims(1, "t", "c", 2, 3, datetime(2025, 4, 1, 10, 30, 15, 999))
    assert naive.expires_at == datetime(2025, 4, 1, 10, 30, 15, tzinfo=timezone.utc)
    assert verify(SECRET, sign(SECRET, naive), NOW.replace(tzinfo=None)) == naive


def test_signing_needs_a_secret_and_sane_claims():
    with pytest.raises(SurveyError, match="secret"):
        sign(b"", typical())
    with pytest.raises(SurveyError, match="invitation_id: -1"):
        sign(SECRET, replace(typical(), invitation_id=-1))
    with pytest.raises(SurveyError, match="ticket_id"):
        sign(SECRET, replace(typical(), ticket_id=48213))  # type: ignore[arg-type]
    assert verify(SECRET.decode(), sign(SECRET, typical()), NOW) == typical()  # str secret works too


@given(st.integers(0, 2**40), st.integers(0, 2**40), st.text(max_size=60))
def test_link_round_trip(account_id, survey_id, agent_id):
    token = sign_link(SECRET, account_id, survey_id, agent_id)
    assert verify_link(SECRET, token) == (account_id, survey_id, agent_id)


def test_link_tokens_and_survey_tokens_do_not_mix():
    link = sign_link(SECRET, 1, 2, "agent-7")
    assert len(link) < 200
    assert verify_link(SECRET, sign_link(SECRET, 1, 2)) == (1, 2, "")
    with pytest.raises(TokenInvalid):
        verify(SECRET, link, NOW)
    with pytest.raises(TokenInvalid):
        verify_link(SECRET, sign(SECRET, typical()))
    with pytest.raises(TokenInvalid):
        verify_link(b"other", link)
    with pytest.raises(TokenInvalid):
        verify_link(SECRET, link[:-1] + ("A" if link[-1] != "A" else "B"))
