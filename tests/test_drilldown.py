"""Low-rating drill-down: the lowest-rated tickets and the words they share, in any language."""

from __future__ import annotations

from cxpulse.service.drilldown import low_ratings
from cxpulse.service.imports import import_path
from tests.factories import make_ticket, write_jsonl


def _desk(tmp_path, store):
    records = []
    for i in range(60):
        low = i % 3 == 0
        subject = "Посылка не пришла, жду уже неделю" if low else "Вопрос по тарифу"
        records.append(make_ticket(id=f"T{i}", subject=subject, created_at=f"2026-03-{1 + i % 28:02d}T08:00:00Z"))
        records.append({"type": "rating", "id": f"R{i}", "ticket_id": f"T{i}", "score": 1 if low else 5,
                        "comment": "Ждал слишком долго" if low else "Спасибо, всё отлично",
                        "given_at": f"2026-03-{1 + i % 28:02d}T12:00:00Z"})
    import_path(store, "jsonl", write_jsonl(tmp_path / "d.jsonl", records), account="acme")


def test_lowest_rated_tickets_come_with_their_comments(store, tmp_path):
    _desk(tmp_path, store)
    d = low_ratings(store, account="acme", limit=5)
    assert (d.low_rated, d.rated) == (20, 60)
    assert len(d.tickets) == 5
    assert all(t["score"] == 1 and t["comment"] == "Ждал слишком долго" for t in d.tickets)


def test_words_over_represented_in_low_ratings_surface_in_russian(store, tmp_path):
    _desk(tmp_path, store)
    terms = [t.term for t in low_ratings(store, account="acme").terms]
    assert terms, "no terms found"
    assert any(w in " ".join(terms[:6]) for w in ("посылка", "пришла", "ждал", "неделю", "долго"))
    assert not any("спасибо" in t for t in terms)
