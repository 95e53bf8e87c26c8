"""Every importer feeds the progress bar: bytes read, rising, ending at the input's size."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpulse.service.imports import import_path, input_size

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("fmt", "path", "mapping"),
    [
        ("jsonl", FIXTURES / "small.jsonl", None),
        ("zendesk", FIXTURES / "zendesk", None),
        ("csv", EXAMPLES / "freshdesk-tickets.csv", EXAMPLES / "freshdesk-tickets.toml"),
    ],
)
def test_progress_rises_to_the_size_of_the_input(tmp_path, fmt, path, mapping):
    from cxpulse.storage import Store

    store = Store.open(tmp_path / "p.db")
    seen: list[int] = []
    import_path(store, fmt, path, account="acme", mapping=mapping, rejects_path=tmp_path / "r.jsonl",
                progress=seen.append)
    assert seen, "no progress reported"
    assert seen == sorted(seen)
    assert seen[-1] == input_size(path)
