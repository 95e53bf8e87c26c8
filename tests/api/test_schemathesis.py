"""Schemathesis over the API's OpenAPI (positive and negative cases, every operation),
with an account key, on SQLite and PostgreSQL: no answer is a 5xx, and the answers
conform to the schema. Bounded: MAX_EXAMPLES cases per operation, well under a minute.

Driven through each operation's Hypothesis strategy rather than schemathesis' pytest
plugin, so it runs on the `api` fixture like every other API test.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.api.test_isolation import _acme_data

MAX_EXAMPLES = 30
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def _own_account(case) -> None:
    """Most cases use the key's own account, so they reach past the 404 of another one."""
    account = (case.path_parameters or {}).get("account")
    if isinstance(account, str) and len(account) % 4 != 0:
        case.path_parameters["account"] = "acme"


def test_the_api_answers_every_generated_request_without_a_5xx(api):
    _acme_data(api)  # something to read, so reads answer 200 too
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    statuses: list[int] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:
            _own_account(case)
            statuses.append(case.call_and_validate(headers=api.acme, checks=CHECKS).status_code)

        try:
            run()
        except Exception as e:
            raise AssertionError(f"{operation.label}: {e}") from e
    # the cases reach the routes' work, not only the key check and the 404 of other accounts
    ok = sum(200 <= s < 300 for s in statuses)
    assert ok > len(statuses) / 5, sorted(set(statuses))


LIVE_EXAMPLES = 12  # per operation: about 25 s for the whole API on an idle machine


def test_a_live_server_answers_every_generated_request_without_a_5xx(api):
    """The same fuzzing over real HTTP (uvicorn on loopback, as `cxpulse serve` runs it): what
    the in-process client smooths over — raw bytes, headers, the server's own parser — is
    exercised too. Every failing operation is listed, not only the first."""
    from tests.live import serving

    _acme_data(api)
    with serving(api.client.app) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20
        failures: dict[str, str] = {}
        statuses: list[int] = []
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=LIVE_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck), database=None, derandomize=True)
            def run(case) -> None:
                _own_account(case)
                statuses.append(case.call_and_validate(base_url=base, headers=api.acme, checks=CHECKS,
                                                       timeout=30).status_code)

            try:
                run()
            except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - each failure is listed below
                failures[operation.label] = str(e)[:3000]
    assert failures == {}, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
    assert sum(200 <= s < 300 for s in statuses) > len(statuses) / 5, sorted(set(statuses))
