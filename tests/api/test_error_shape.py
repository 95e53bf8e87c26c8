"""Every answer under /api/ is in the one error shape, with the right status and Allow
header, and every response forbids framing (issue 13 §8, §12, §13)."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("headers", [{"Content-Type": "application/x-www-form-urlencoded"},
                                     {"Content-Type": "text/plain"}, {}], ids=["form", "text", "none"])
def test_the_zendesk_receiver_answers_415_to_a_body_that_is_not_json(api, headers):
    """`curl -d 'a=b'` and friends: 415 saying what to send, not a 500."""
    resp = api.client.post("/api/v1/accounts/acme/zendesk", content=b"a=b", headers={**api.acme, **headers})
    err = assert_error(resp, 415, "unsupported_media_type")
    assert "application/json" in err["message"] and err["details"]["expected"] == "application/json"


def test_every_json_route_refuses_a_form_body_alike(api):
    resp = api.client.post("/api/v1/accounts/acme/tickets", content=b"items=1",
                           headers={**api.acme, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(resp, 415, "unsupported_media_type")
    ok = api.client.post("/api/v1/accounts/acme/tickets", content=b'{"items": []}',
                         headers={**api.acme, "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("body", [b'{"items": [{"id": "\xff\xfe"}]}', b"[" * 100_000 + b"]" * 100_000,
                                  b'{"items": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"],
                         ids=["invalid-utf8", "deep-100k", "deep-5k"])
def test_an_unreadable_json_body_is_a_400_in_the_shape(api, body):
    resp = api.client.post("/api/v1/accounts/acme/tickets", content=body, headers={**api.acme, **JSON})
    err = assert_error(resp, 400, "invalid_json")
    assert "detail" not in resp.json()
    assert "UTF-8" in err["message"] or "nested" in err["message"]


@pytest.mark.parametrize("method", ["OPTIONS", "HEAD", "TRACE", "PUT"])
def test_other_methods_answer_405_in_the_shape_with_every_allowed_method(api, method):
    resp = api.client.request(method, "/api/v1/accounts/acme/webhooks", headers=api.acme)
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, POST"  # both routes of the path, not only the first one found
    if method != "HEAD":  # a HEAD answer has no body
        assert assert_error(resp, 405, "method_not_allowed")["details"] == {"allowed": ["GET", "POST"]}


def test_options_on_an_unknown_path_is_a_404_in_the_shape(api):
    assert_error(api.client.options("/api/v1/nothing-here", headers=api.acme), 404, "not_found")


def test_delete_on_the_delivery_log_is_405_not_a_bad_webhook_id(api):
    resp = api.client.delete("/api/v1/accounts/acme/webhooks/deliveries", headers=api.acme)
    assert assert_error(resp, 405, "method_not_allowed")["details"] == {"allowed": ["GET"]}
    assert resp.headers["allow"] == "GET"
    bad_id = api.client.delete("/api/v1/accounts/acme/webhooks/abc", headers=api.acme)
    assert_error(bad_id, 422, "invalid_request")  # a webhook id that is not a number stays a 422


@pytest.mark.parametrize("path", ["/api/v1/accounts", "/docs", "/login", "/healthz", "/static/style.css", "/l/x"])
def test_no_page_may_be_framed_by_another_site(api, path):
    resp = api.client.get(path, headers=api.acme)
    assert resp.headers["x-frame-options"] == "DENY", path
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"], path
