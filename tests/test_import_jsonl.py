"""The canonical JSON Lines import: idempotent, rejects kept apart, text round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import FormatError
from cxpulse.service.imports import import_path
from cxpulse.storage import tables as T

FIXTURE = Path(__file__).parent / "fixtures" / "small.jsonl"


def test_importing_the_same_file_twice_changes_nothing(store, tmp_path):
    first = import_path(store, "jsonl", FIXTURE, account="acme", rejects_path=tmp_path / "r.jsonl")
    second = import_path(store, "jsonl", FIXTURE, account="acme", rejects_path=tmp_path / "r.jsonl")
    assert first.inserted == 9 and first.rejected == 0
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 9)
    assert store.count(T.ticket_events) == 3


def test_a_changed_ticket_is_updated(store, tmp_path):
    import_path(store, "jsonl", FIXTURE, account="acme")
    changed = tmp_path / "changed.jsonl"
    changed.write_text(
        '{"type":"ticket","id":"1001","created_at":"2026-03-02T09:00:00+02:00","subject":"Ничего не работает","status":"open","channel":"chat"}\n',
        encoding="utf-8",
    )
    summary = import_path(store, "jsonl", changed, account="acme")
    assert (summary.inserted, summary.updated) == (0, 1)
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.channel)).scalar_one() == "chat"


def test_cyrillic_greek_lithuanian_round_trip_exactly(store):
    import_path(store, "jsonl", FIXTURE, account="acme")
    with store.engine.connect() as c:
        assert c.execute(select(T.tickets.c.subject)).scalar_one() == "Ничего не работает"
        names = set(c.execute(select(T.users.c.name)).scalars())
        comment = c.execute(select(T.responses.c.comment).where(T.responses.c.kind == "csat")).scalar_one()
    assert names == {"Ona Jonaitė", "Σοφία Παπαδοπούλου"}
    assert comment == "Ευχαριστώ"


def test_times_with_offsets_are_stored_in_utc(store):
    import_path(store, "jsonl", FIXTURE, account="acme")
    with store.engine.connect() as c:
        created = c.execute(select(T.tickets.c.created_at)).scalar_one()
    assert (created.hour, created.minute) == (7, 0)  # 09:00+02:00


def test_bad_rows_are_rejected_with_line_and_field_while_good_rows_go_in(store, tmp_path):
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        FIXTURE.read_text(encoding="utf-8")
        + '{"type":"response","id":"x1","kind":"nps","score":11,"given_at":"2026-03-02T13:00:00Z"}\n'
        + "{oops\n"
        + '{"type":"event","ticket_id":"1001","at":"2026-03-02T13:00:00Z","kind":"comment"}\n',
        encoding="utf-8",
    )
    summary = import_path(store, "jsonl", bad, account="acme")
    assert summary.rejected == 3
    assert summary.inserted == 9
    rejects = Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 3
    assert '"line":10' in rejects[0] and '"field":"score"' in rejects[0]
    assert '"line":12' in rejects[2] and '"field":"id"' in rejects[2]


def test_a_bad_account_setting_is_left_out_and_the_account_kept(store, tmp_path):
    path = tmp_path / "settings.jsonl"
    path.write_text(
        '{"type":"account","name":"acme","alert_below":"low"}\n'
        '{"type":"account","name":"beta","min_rated_for_model":0}\n'
        '{"type":"user","id":"u1","role":"agent"}\n',
        encoding="utf-8",
    )
    summary = import_path(store, "jsonl", path, account="acme")
    assert (summary.rejected, summary.fields_rejected) == (0, 2)
    assert [(r.line, r.field, r.kept) for r in summary.first_rejects] == [
        (1, "alert_below", True), (2, "min_rated_for_model", True)]
    assert store.count(T.users) == 1
    assert store.account("acme").account.alert_below == 40  # the default stands in for the bad value
    assert store.account("beta").account.min_rated_for_model == 300


def test_a_file_that_is_not_json_lines_stops_before_writing(store, tmp_path):
    csv_file = tmp_path / "tickets.jsonl"
    csv_file.write_text("id,subject\n1,hello\n", encoding="utf-8")
    with pytest.raises(FormatError, match="not JSON Lines"):
        import_path(store, "jsonl", csv_file, account="acme")
    assert store.accounts() == []


def test_a_file_in_another_encoding_stops_with_a_clear_error(store, tmp_path):
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes('{"type":"user","id":"1","name":"Jūratė"}\n'.encode("utf-16"))
    with pytest.raises(FormatError, match="UTF-8"):
        import_path(store, "jsonl", latin, account="acme")
    assert store.accounts() == []
