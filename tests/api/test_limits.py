"""Limits: body size (declared or chunked), batch size, page size, rate per key — each a
clear 4xx in the one error shape."""

from __future__ import annotations

import json

import pytest

from cxpulse.api.limits import MAX_BODY, RateLimiter, limiter_from_env
from tests.api.conftest import assert_error


def _big_batch() -> bytes:
    item = {"id": "x", "created_at": "2026-03-02T09:00:00Z", "subject": "z" * 4000}
    return json.dumps({"items": [item] * (MAX_BODY // 4000 + 10)}).encode()


def test_a_body_over_5_mb_is_refused_before_it_is_read(api):
    body = _big_batch()
    assert len(body) > MAX_BODY
    resp = api.client.post("/api/v1/accounts/acme/tickets", content=body,
                           headers={**api.acme, "Content-Type": "application/json"})
    err = assert_error(resp, 413, "body_too_large")
    assert err["details"] == {"max_bytes": MAX_BODY}


def test_a_chunked_body_over_5_mb_is_refused_too(api):
    body = _big_batch()

    def chunks():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    resp = api.client.post("/api/v1/accounts/acme/tickets", content=chunks(),
                           headers={**api.acme, "Content-Type": "application/json"})
    assert_error(resp, 413, "body_too_large")
    small = json.dumps({"items": [{"id": "T1", "created_at": "2026-03-02T09:00:00Z"}]}).encode()
    resp = api.client.post("/api/v1/accounts/acme/tickets", content=iter([small[:10], small[10:]]),
                           headers={**api.acme, "Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.json()["inserted"] == 1


def test_each_key_has_its_own_rate_limit_and_429_says_when_to_retry(api):
    api.client.app.state.rate_limiter = RateLimiter(rate=0.5, burst=3)
    assert [api.get("/api/v1/accounts").status_code for _ in range(3)] == [200, 200, 200]
    resp = api.get("/api/v1/accounts")
    err = assert_error(resp, 429, "rate_limited")
    assert resp.headers["retry-after"] == "2" and err["details"] == {"retry_after": 2}
    assert api.get("/api/v1/accounts", headers=api.globex).status_code == 200  # another key: its own bucket
    assert_error(api.client.get("/api/v1/accounts"), 401, "unauthorized")  # no key: 401, not a token spent


def test_the_token_bucket_refills_at_its_rate():
    bucket = RateLimiter(rate=10, burst=2)
    assert [bucket.take(1, now=0.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]
    assert bucket.take(1, now=0.1) == 0.0 and bucket.take(1, now=0.1) > 0
    assert bucket.take(1, now=100.0) == 0.0 and bucket.take(1, now=100.0) == 0.0 and bucket.take(1, now=100.0) > 0


@pytest.mark.parametrize(("value", "expected"), [
    ("", (50.0, 100.0)), ("20", (20.0, 40.0)), ("200/400", (200.0, 400.0)), ("off", None), ("0", None),
])
def test_the_rate_limit_is_set_by_environment(value, expected):
    limiter = limiter_from_env(value)
    assert (None if limiter is None else (limiter.rate, limiter.burst)) == expected


@pytest.mark.parametrize("value", ["fast", "10/x", "-1", "nan"])
def test_a_bad_rate_limit_setting_is_refused_at_start(value):
    with pytest.raises(ValueError, match="CXPULSE_RATE_LIMIT"):
        limiter_from_env(value)


def test_page_size_and_nul_characters_are_clear_4xx(api):
    err = assert_error(api.get("/api/v1/accounts/acme/tickets?limit=0"), 422, "invalid_request")
    assert err["details"][0]["loc"] == ["query", "limit"]
    assert_error(api.get("/api/v1/accounts/acme/tickets?agent=a%00b"), 400, "invalid_characters")
    assert_error(api.get("/api/v1/accounts/acme/tickets/T%001"), 400, "invalid_characters")
