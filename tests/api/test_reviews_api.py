"""Public reviews through the API (issue 17 §2): ingested as responses of kind review, read
back through GET /api/v1/metrics?metric=reviews, as `cxpulse report` gives them."""

from __future__ import annotations

import pytest

from cxpulse.service.ingest import wait_for_refresh
from tests.test_reviews_report import review


def test_reviews_come_in_through_the_api_and_its_metrics_endpoint(api):
    items = [{k: v for k, v in review(i, s, lang="el", text="Γρήγορη και ευγενική εξυπηρέτηση").items() if k != "type"}
             for i, s in enumerate((5, 4, 2))]
    body = api.post("/api/v1/accounts/acme/responses?wait=true", {"items": items}).json()
    assert body["inserted"] == 3
    assert wait_for_refresh(api.store, timeout=30)
    rows = api.get("/api/v1/metrics?metric=reviews&by=language").json()
    got = {r["metric"]: r for r in rows}
    assert got["reviews"]["group"] == {"language": "el"} and round(got["reviews"]["value"], 3) == 3.667
    assert got["reviews_positive"]["value"] == pytest.approx(66.667, abs=1e-3)
    assert api.get("/api/v1/metrics?metric=csat").json() == []
