"""CSV exports through a TOML mapping: examples import cleanly, rows become events, bad rows are kept apart."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import FormatError
from cxpulse.readers.csv_mapping import load_mapping
from cxpulse.readers.csv_reader import read_csv
from cxpulse.service.imports import import_path
from cxpulse.storage import tables as T

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).parent / "fixtures" / "csv"
FRESHDESK = (EXAMPLES / "freshdesk-tickets.csv", EXAMPLES / "freshdesk-tickets.toml")
ZENDESK = (EXAMPLES / "zendesk-tickets.csv", EXAMPLES / "zendesk-tickets.toml")
RESPONSES = (EXAMPLES / "responses.csv", EXAMPLES / "responses.toml")
SHIPPED = sorted(EXAMPLES.glob("*.toml"))


def run(store, csv_path, mapping, tmp_path, **kw):
    return import_path(
        store, "csv", csv_path, account="acme", mapping=mapping, rejects_path=tmp_path / "rejects.jsonl", **kw
    )


def rejects_of(summary) -> list[dict]:
    if not summary.rejects_path:
        return []
    return [json.loads(x) for x in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]


def scalars(store, query) -> list:
    with store.engine.connect() as c:
        return list(c.execute(query).scalars())


def rows(store, query) -> list:
    with store.engine.connect() as c:
        return list(c.execute(query))


def test_examples_are_shipped_in_pairs():
    assert len(SHIPPED) >= 3
    for mapping in SHIPPED:
        assert mapping.with_suffix(".csv").is_file(), f"{mapping.name} has no example CSV beside it"


@pytest.mark.parametrize("mapping", SHIPPED, ids=lambda p: p.stem)
def test_each_shipped_example_imports_without_rejects(store, tmp_path, mapping):
    summary = run(store, mapping.with_suffix(".csv"), mapping, tmp_path)
    assert summary.rejected == 0, [str(r) for r in summary.first_rejects]
    assert summary.inserted > 0
    assert summary.accounts == ["acme"]


def test_importing_the_same_file_twice_changes_nothing(store, tmp_path):
    first = run(store, *FRESHDESK, tmp_path)
    counts = {t.name: store.count(t) for t in (T.tickets, T.ticket_events, T.responses)}
    second = run(store, *FRESHDESK, tmp_path)
    assert first.inserted == first.read > 0
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, first.read)
    assert {t.name: store.count(t) for t in (T.tickets, T.ticket_events, T.responses)} == counts
    assert counts == {"tickets": 5, "ticket_events": 16, "responses": 3}


def test_a_ticket_row_becomes_a_ticket_its_events_and_its_rating(store, tmp_path):
    run(store, *FRESHDESK, tmp_path)
    t = T.tickets
    ticket = rows(store, select(t).where(t.c.source_id == "1002"))[0]
    assert (ticket.status, ticket.channel, ticket.group_name, ticket.category, ticket.priority) == (
        "closed", "Portal", "Техподдержка", "Incident", "High",
    )  # fmt: skip
    assert (ticket.requester_id, ticket.assignee_id) == ("50002", "Дмитрий Иванов")
    assert scalars(store, select(t.c.status).where(t.c.source_id == "1001")) == ["solved"]  # "Resolved"
    e = T.ticket_events
    ids = scalars(store, select(e.c.source_id).where(e.c.ticket_id == "1002").order_by(e.c.source_id))
    assert ids == ["1002:assigned", "1002:created", "1002:first-reply", "1002:solved"]
    first = rows(store, select(e).where(e.c.source_id == "1002:first-reply"))[0]
    assert (first.kind, first.author_role, first.author_id, first.public) == ("comment", "agent", "Дмитрий Иванов", True)
    r = T.responses
    rating = rows(store, select(r).where(r.c.ticket_id == "1002"))[0]
    assert (rating.source_id, rating.kind, rating.scale, rating.score) == ("1002:rating:csat", "csat", "1-5", 2)
    assert rating.given_at == datetime(2026, 3, 3, 16, 0)  # the resolved time, 18:00 in Vilnius
    assert not scalars(store, select(r.c.id).where(r.c.ticket_id.in_(["1003", "1004"])))  # no rating, no response
    assert not scalars(store, select(T.invitations.c.id))  # a rating implies no invitation


def first_reply_kpis(store) -> dict[str, float | None]:
    k = T.ticket_kpis
    return dict(rows(store, select(k.c.ticket_id, k.c.first_reply_minutes)))


def test_first_reply_time_from_the_csv_is_the_kpi(store, tmp_path):
    run(store, *FRESHDESK, tmp_path)
    # Created → Initial response time, in the CSV: 1h30, 2h30, 15 min, none, 45 min (across the DST change)
    assert first_reply_kpis(store) == {"1001": 90.0, "1002": 150.0, "1003": 15.0, "1004": None, "1005": 45.0}


def test_first_reply_given_as_minutes_is_the_kpi(store, tmp_path):
    run(store, *ZENDESK, tmp_path)
    assert first_reply_kpis(store) == {"2001": 42.0, "2002": 95.0, "2003": 3.0, "2004": None}


def test_resolution_time_comes_from_the_solved_time(store, tmp_path):
    run(store, *FRESHDESK, tmp_path)
    k = T.ticket_kpis
    got = dict(rows(store, select(k.c.ticket_id, k.c.full_resolution_minutes)))
    assert got == {"1001": 360.0, "1002": 405.0, "1003": None, "1004": None, "1005": 1550.0}


def test_a_solved_ticket_whose_status_is_open_again_counts_a_reopen(store, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        (FIXTURES / "simple.toml").read_text(encoding="utf-8").replace('agent = "agent"', 'agent = "agent"\nstatus = "status"'),
        encoding="utf-8",
    )
    data = tmp_path / "t.csv"
    data.write_text(
        "id,created,first reply,solved,agent,subject,rating,status\n"
        "r1,02.03.2026 09:00,02.03.2026 09:30,02.03.2026 10:00,Ona,Again,,Open\n",
        encoding="utf-8",
    )
    assert run(store, data, mapping, tmp_path).rejected == 0
    k = T.ticket_kpis
    assert rows(store, select(k.c.status, k.c.solved, k.c.reopens)) == [("open", False, 1)]


def test_a_missing_column_stops_before_writing(store, tmp_path):
    mapping = tmp_path / "typo.toml"
    mapping.write_text(
        FRESHDESK[1].read_text(encoding="utf-8").replace('"Ticket ID"', '"Ticket Id #"').replace('"Agent"', '"Agent name"'),
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as err:
        run(store, FRESHDESK[0], mapping, tmp_path)
    msg = str(err.value)
    assert "'Ticket Id #'" in msg and "'Agent name'" in msg  # every missing column
    assert "'Resolved time'" in msg  # the columns found
    assert "did you mean" in msg and str(mapping) in msg  # the fix
    assert err.value.line == 1
    assert store.accounts() == []


def test_bad_rows_are_rejected_with_line_and_column_while_the_others_go_in(store, tmp_path):
    summary = run(store, FIXTURES / "bad-rows.csv", FIXTURES / "simple.toml", tmp_path)
    # 4 (a bad rating) goes in without its rating; 5 (a reply before creation) goes in, noted
    assert sorted(scalars(store, select(T.tickets.c.source_id))) == ["1", "3", "4", "5", "7"]
    got = [(r["line"], r["field"], r["kept_row"]) for r in rejects_of(summary)]
    assert got == [
        (3, "created", False),  # ISO where the mapping says day-first
        (6, "rating", True),  # 9 on a 1-5 scale: only the rating is left out
        (7, "id", False),  # empty ticket id
        (9, "created", False),  # 31 February
        (11, "(row)", False),  # more fields than the header
    ]
    reasons = {r["line"]: r["reason"] for r in rejects_of(summary)}
    assert "'%d.%m.%Y %H:%M'" in reasons[3] and "02.03.2026 09:30" in reasons[3]
    assert "1-5" in reasons[6]
    assert (summary.rejected, summary.fields_rejected) == (4, 1)
    assert summary.notes == {"first reply before creation": 1}
    assert [(n.line, n.what) for n in summary.first_notes] == [(8, "first reply before creation")]
    assert "'02.03.2026 13:00'" in summary.first_notes[0].detail
    assert not scalars(store, select(T.responses.c.id).where(T.responses.c.ticket_id == "4"))
    assert scalars(store, select(T.tickets.c.subject).where(T.tickets.c.source_id == "3")) == ["Two\nlines"]


def test_a_rating_outside_the_values_map_names_the_labels(store, tmp_path):
    data = tmp_path / "fd.csv"
    data.write_text(
        FRESHDESK[0].read_text(encoding="utf-8").replace(",Unhappy,", ",Meh,"), encoding="utf-8"
    )
    summary = run(store, data, FRESHDESK[1], tmp_path)
    [reject] = rejects_of(summary)
    assert (reject["line"], reject["field"]) == (5, "Survey results")
    assert "'Meh'" in reject["reason"] and "'Extremely Happy'" in reject["reason"]
    assert reject["kept_row"] and summary.fields_rejected == 1 and summary.rejected == 0
    assert store.count(T.tickets) == 5  # the ticket went in without its rating
    assert store.count(T.responses) == 2


def test_cyrillic_greek_lithuanian_round_trip_exactly(store, tmp_path):
    run(store, *FRESHDESK, tmp_path)
    run(store, *RESPONSES, tmp_path)
    t = T.tickets
    subjects = set(scalars(store, select(t.c.subject)))
    assert {"Ничего не работает", "Πρόβλημα με την πληρωμή", "Nepavyksta prisijungti prie paskyros"} <= subjects
    desc = scalars(store, select(t.c.description).where(t.c.source_id == "1001"))[0]
    assert desc == "Sveiki,\nnuo vakar negaliu prisijungti – rašo „neteisingas slaptažodis“.\nAčiū!"
    assert scalars(store, select(t.c.assignee_id).where(t.c.source_id == "1003")) == ["Σοφία Παπαδοπούλου"]
    e = T.ticket_events
    assert scalars(store, select(e.c.body).where(e.c.source_id == "1002:created")) == [
        "После обновления приложение не запускается. Пробовал переустановить — не помогло."
    ]
    r = T.responses
    comments = set(scalars(store, select(r.c.comment)))
    assert {"Greitai ir mandagiai, ačiū!", "Ждал ответа два часа.", "Ευχαριστώ πολύ"} <= comments


def test_times_with_offsets_and_naive_local_times_are_stored_in_utc(store, tmp_path):
    run(store, FIXTURES / "offsets.csv", FIXTURES / "offsets.toml", tmp_path)
    t = T.tickets
    created = dict(rows(store, select(t.c.source_id, t.c.created_at)))
    assert created == {
        "o1": datetime(2026, 3, 2, 7, 0),  # 09:00+02:00
        "o2": datetime(2026, 3, 2, 7, 0),  # 09:00 in Vilnius, winter
        "o3": datetime(2026, 7, 1, 6, 0),  # 09:00 in Vilnius, summer
    }
    assert first_reply_kpis(store) == {"o1": 30.0, "o2": 30.0, "o3": 20.0}


def test_a_cp1257_file_reads_with_its_encoding(store, tmp_path):
    summary = run(store, FIXTURES / "cp1257.csv", FIXTURES / "cp1257.toml", tmp_path)
    assert summary.rejected == 0
    t = T.tickets
    got = rows(store, select(t.c.source_id, t.c.subject, t.c.description, t.c.assignee_id).order_by(t.c.source_id))
    assert got == [
        ("LT-1", "Užsakymas nepristatytas", "„Siuntinys vėluoja“ – kur jis?", "Žydrūnė Šimkutė"),
        ("LT-2", "Sąskaitos klaida", "Neteisinga suma sąskaitoje", "Ąžuolas Čepulis"),
    ]
    r = T.responses
    assert rows(store, select(r.c.source_id, r.c.score, r.c.comment)) == [
        ("LT-1:rating:csat", 5, "Ačiū, viskas išspręsta greitai")
    ]


def test_a_file_not_in_the_mappings_encoding_stops_with_the_fix(store, tmp_path):
    mapping = tmp_path / "utf8.toml"
    mapping.write_text(
        (FIXTURES / "cp1257.toml").read_text(encoding="utf-8").replace('encoding = "cp1257"\n', ""), encoding="utf-8"
    )
    with pytest.raises(FormatError, match=r'not UTF-8.*set encoding = .*in \[csv\]'):
        run(store, FIXTURES / "cp1257.csv", mapping, tmp_path)
    assert store.accounts() == []


def test_a_utf8_file_under_a_legacy_encoding_stops_instead_of_storing_mojibake(store, tmp_path):
    mapping = tmp_path / "wrong.toml"
    mapping.write_text(
        FRESHDESK[1].read_text(encoding="utf-8").replace('[csv]\n', '[csv]\nencoding = "cp1257"\n'), encoding="utf-8"
    )
    with pytest.raises(FormatError, match="reads as UTF-8"):
        run(store, FRESHDESK[0], mapping, tmp_path)
    assert store.accounts() == []


def test_a_utf8_bom_is_dropped(store, tmp_path):
    data = tmp_path / "bom.csv"
    data.write_bytes(b"\xef\xbb\xbf" + FRESHDESK[0].read_bytes())
    summary = run(store, data, FRESHDESK[1], tmp_path)
    assert (summary.rejected, store.count(T.tickets)) == (0, 5)


def test_undecodable_bytes_past_the_checked_head_reject_only_their_row(store, tmp_path):
    data = tmp_path / "big.csv"
    head = (FIXTURES / "offsets.csv").read_bytes()
    filler = b"".join(b"f%d,2026-03-02T09:00:00,,%s\n" % (i, b"x" * 80) for i in range(1000))
    data.write_bytes(head + filler + b"bad,2026-03-02T09:00:00,,caf\xe9\n" + b"last,2026-03-02T09:00:00,,ok\n")
    summary = run(store, data, FIXTURES / "offsets.toml", tmp_path)
    [reject] = rejects_of(summary)
    assert (reject["line"], reject["field"]) == (1005, "text")
    assert "utf-8" in reject["reason"].lower()
    assert store.count(T.tickets) == 1004


def test_a_responses_file_gives_one_response_per_answered_question(store, tmp_path):
    summary = run(store, *RESPONSES, tmp_path)
    assert summary.rejected == 0
    r = T.responses
    got = {x.source_id: (x.kind, x.scale, x.score) for x in rows(store, select(r))}
    assert got == {
        "R-9001:nps": ("nps", "0-10", 10), "R-9001:ces": ("ces", "1-7", 7), "R-9001:csat": ("csat", "1-5", 5),
        "R-9002:nps": ("nps", "0-10", 3), "R-9002:ces": ("ces", "1-7", 2), "R-9002:csat": ("csat", "1-5", 2),
        "R-9003:nps": ("nps", "0-10", 8), "R-9003:ces": ("ces", "1-7", 5), "R-9003:csat": ("csat", "1-5", 4),
        "R-9004:nps": ("nps", "0-10", 9),
    }  # fmt: skip
    one = rows(store, select(r).where(r.c.source_id == "R-9002:nps"))[0]
    assert (one.ticket_id, one.customer_id, one.agent_id, one.channel) == ("1002", "alexei@example.ru", "Дмитрий Иванов", "web")
    assert one.given_at == datetime(2026, 3, 3, 16, 40)  # 19:40+03:00
    assert store.count(T.tickets) == 0  # a responses file describes no tickets


def test_zendesk_offered_ratings_are_not_responses(store, tmp_path):
    run(store, *ZENDESK, tmp_path)
    r = T.responses
    assert dict(rows(store, select(r.c.ticket_id, r.c.score))) == {"2001": 1, "2002": 0}


def test_a_mapping_that_is_not_toml_names_its_line(store, tmp_path):
    mapping = tmp_path / "broken.toml"
    mapping.write_text('[csv]\nrows = "tickets"\n[columns\nticket_id = "Id"\n', encoding="utf-8")
    with pytest.raises(FormatError, match="not valid TOML") as err:
        run(store, FRESHDESK[0], mapping, tmp_path)
    assert err.value.line == 3 and err.value.path == str(mapping)
    assert store.accounts() == []


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[columns]\nticket_idd = "Id"\ncreated_at = "c"\n', "did you mean 'ticket_idd' → 'ticket_id'"),
        ('[columns]\nticket_id = "Id"\n', "lacks created_at"),
        ('[csv]\nrows = "responses"\n[columns]\ngiven_at = "g"\nticket_id = "t"\n', "rating columns"),
        ('[csv]\nrows = "responses"\n[columns]\ngiven_at = "g"\n[[ratings]]\ncolumn = "n"\nkind = "nps"\n', "response_id or ticket_id"),
        ('[columns]\nticket_id = "i"\ncreated_at = "c"\nrating = "r"\n[rating]\nkind = "nps"\nscale = "1-5"\n', "nps is asked on 0-10"),
        ('[columns]\nticket_id = "i"\ncreated_at = "c"\nrating = "r"\n[rating]\nvalues = { "Great" = 7 }\n', "'Great' = 7 is not a score"),
        ('[csv]\ntimezone = "Mars/Olympus"\n[columns]\nticket_id = "i"\ncreated_at = "c"\n', "not an IANA timezone"),
        ('[csv]\nencoding = "klingon"\n[columns]\nticket_id = "i"\ncreated_at = "c"\n', "not an encoding"),
        ('[columns]\nticket_id = "i"\ncreated_at = "c"\nfirst_reply_at = "f"\nfirst_reply_minutes = "m"\n', "not both"),
    ],
    ids=["typo", "required", "no-ratings", "no-id", "scale", "value", "timezone", "encoding", "reply-twice"],
)
def test_a_wrong_mapping_says_what_to_fix(tmp_path, toml, message):
    mapping = tmp_path / "m.toml"
    mapping.write_text(toml, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        load_mapping(mapping)
    assert message in str(err.value)


def test_a_missing_mapping_file_is_a_format_error(store, tmp_path):
    with pytest.raises(FormatError, match="no such mapping file"):
        run(store, FRESHDESK[0], tmp_path / "nope.toml", tmp_path)


def test_progress_reports_bytes_read_up_to_the_file_size(tmp_path):
    seen: list[int] = []
    data = tmp_path / "many.csv"
    with data.open("w", encoding="utf-8") as fh:
        fh.write("ticket,opened,answered,text\n")
        for i in range(5000):
            fh.write(f"t{i},2026-03-02T09:00:00Z,2026-03-02T09:10:00Z,Ačiū {i}\n")
    stream = read_csv(data, FIXTURES / "offsets.toml", progress=seen.append)
    assert sum(1 for _ in stream) == 5000 * 3  # ticket, created, first reply
    assert len(seen) >= 4 and seen == sorted(seen)
    assert seen[-1] == data.stat().st_size


def test_validation_happens_before_the_stream_is_read(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nticket_id = "nope"\ncreated_at = "opened"\n', encoding="utf-8")
    with pytest.raises(FormatError, match="'nope'"):
        read_csv(FIXTURES / "offsets.csv", mapping)  # raised by the call, not by the first next()


def test_csi_columns_give_one_response_per_attribute(store, tmp_path):
    mapping = tmp_path / "csi.toml"
    mapping.write_text(
        '[csv]\nrows = "responses"\n[columns]\nresponse_id = "id"\ngiven_at = "at"\n'
        '[[ratings]]\ncolumn = "Speed"\nkind = "csi"\nattribute = "speed"\nimportance = "Speed: how important?"\n'
        '[[ratings]]\ncolumn = "Politeness"\nkind = "csi"\nscale = "1-7"\nattribute = "politeness"\n',
        encoding="utf-8",
    )
    data = tmp_path / "csi.csv"
    data.write_text(
        "id,at,Speed,Speed: how important?,Politeness\n"
        "x1,2026-03-02T10:00:00Z,4,5,6\n"
        "x2,2026-03-02T11:00:00Z,3,,\n"
        "x3,2026-03-02T12:00:00Z,,,\n",
        encoding="utf-8",
    )
    summary = run(store, data, mapping, tmp_path)
    r = T.responses
    got = {x.source_id: (x.attribute, x.scale, x.score, x.importance) for x in rows(store, select(r))}
    assert got == {
        "x1:csi:speed": ("speed", "1-5", 4, 5),
        "x1:csi:politeness": ("politeness", "1-7", 6, None),
        "x2:csi:speed": ("speed", "1-5", 3, None),
    }
    assert [(x["line"], x["field"]) for x in rejects_of(summary)] == [(4, "Speed")]  # an empty answer sheet


def test_a_rating_without_time_or_solve_is_dated_at_the_last_change(store, tmp_path):
    """A rated ticket with no rating time and no solve (still open, or solved without its
    time in the export): the rating is dated at the ticket's last change — rating a ticket
    changes it — not at its creation, where a snapshot would see nothing of it."""
    csv_path = tmp_path / "open-rated.csv"
    csv_path.write_text(
        "Id,Created at,Updated at,Solved at,Status,Satisfaction Score,Subject\n"
        "1,2026-03-02 09:00:00 +0000,2026-03-04 15:00:00 +0000,,open,Bad,Still broken\n"
        "2,2026-03-02 10:00:00 +0000,,,open,Good,Thanks\n"
        "3,2026-03-02 11:00:00 +0000,2026-03-05 12:00:00 +0000,2026-03-03 08:00:00 +0000,solved,Good,Fixed\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '[csv]\nrows = "tickets"\ndate_format = "%Y-%m-%d %H:%M:%S %z"\n[columns]\nticket_id = "Id"\n'
        'created_at = "Created at"\nupdated_at = "Updated at"\nsolved_at = "Solved at"\nstatus = "Status"\n'
        'subject = "Subject"\nrating = "Satisfaction Score"\n[rating]\nkind = "csat"\nscale = "binary"\n',
        encoding="utf-8",
    )
    summary = run(store, csv_path, mapping, tmp_path)
    assert summary.rejected == 0
    r = T.responses
    given = dict(rows(store, select(r.c.ticket_id, r.c.given_at).order_by(r.c.ticket_id)))
    assert given == {
        "1": datetime(2026, 3, 4, 15, 0),  # its last change
        "2": datetime(2026, 3, 2, 10, 0),  # nothing later known: its creation
        "3": datetime(2026, 3, 3, 8, 0),  # the solve, as before
    }
