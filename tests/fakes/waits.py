"""No real waits in the sync tests: the HTTP layer's sleep moves a clock of the test's
own, which its pacer reads — a paced sync runs at once, and the waits are recorded."""

from __future__ import annotations

import pytest

from cxpulse.service import http_fetch


def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Patch `http_fetch`'s sleep and clock; returns the list of the waits asked for."""
    waits: list[float] = []
    now = [0.0]

    def wait(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(http_fetch, "sleep", wait)
    monkeypatch.setattr(http_fetch, "clock", lambda: now[0])
    return waits
