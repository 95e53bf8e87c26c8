"""CSV mappings a real export needs (issue 11 §3): due dates, joined text columns, the
mapping's timezone, noted implausible orders, placeholders for empty, a bad cell that
rejects only itself, offered surveys as invitations, and the help desk's own figures.
Each through the real import into a real store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import Account, FormatError
from cxpulse.readers.csv_mapping import METRIC_KEYS, load_mapping
from cxpulse.readers.zendesk import METRICS as ZENDESK_METRICS
from cxpulse.ml.context import RatingHistory
from cxpulse.ml.features import snapshots, training_times
from cxpulse.service.imports import import_path
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import tables as T
from cxpulse.storage.histories import ticket_histories

EXAMPLES = Path(__file__).parent.parent / "examples"
ZENDESK = (EXAMPLES / "zendesk-export.csv", EXAMPLES / "zendesk-export.toml")
OLIST = (EXAMPLES / "olist-reviews.csv", EXAMPLES / "olist-reviews.toml")

MAPPING = """\
[csv]
date_format = "%Y-%m-%d %H:%M"
timezone = "Europe/Vilnius"
{csv_extra}

[columns]
ticket_id = "id"
created_at = "created"
first_reply_at = "replied"
solved_at = "solved"
updated_at = "updated"
due_at = "due"
agent = "agent"
text = {text}
rating = "rating"
rating_comment = {comment}
rated_at = "rated"

[rating]
kind = "csat"
scale = "1-5"
{rating_extra}
{tables}
"""
HEADER = "id,created,replied,solved,updated,due,agent,title,body,rating,remark,why,rated\n"


def mapping_file(tmp_path, *, csv_extra="", text='["title", "body"]', comment='["remark", "why"]', rating_extra="",
                 tables="") -> Path:  # fmt: skip
    p = tmp_path / "m.toml"
    p.write_text(
        MAPPING.format(csv_extra=csv_extra, text=text, comment=comment, rating_extra=rating_extra, tables=tables),
        encoding="utf-8",
    )
    return p


def csv_file(tmp_path, *lines: str, header: str = HEADER) -> Path:
    p = tmp_path / "t.csv"
    p.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")
    return p


def run(store, data, mapping, tmp_path, account="acme"):
    return import_path(store, "csv", data, account=account, mapping=mapping, rejects_path=tmp_path / "rejects.jsonl")


def rejects_of(summary) -> list[dict]:
    if not summary.rejects_path:
        return []
    return [json.loads(x) for x in Path(summary.rejects_path).read_text(encoding="utf-8").splitlines()]


def rows(store, query) -> list:
    with store.engine.connect() as c:
        return list(c.execute(query))


def one(store, table, source_id):
    return rows(store, select(table).where(table.c.source_id == source_id))[0]


def kpi(store, ticket_id):
    k = T.ticket_kpis
    return rows(store, select(k).where(k.c.ticket_id == ticket_id))[0]


# ── due_at ──────────────────────────────────────────────────────────────────────────


def test_due_at_is_the_promise_read_like_the_other_times(store, tmp_path):
    data = csv_file(tmp_path, "1,2026-03-02 09:00,,,,2026-03-04 17:00,Ona,Hi,,,,,")
    summary = run(store, data, mapping_file(tmp_path), tmp_path)
    assert summary.rejected == summary.fields_rejected == 0
    assert one(store, T.tickets, "1").due_at == datetime(2026, 3, 4, 15, 0)  # 17:00 in Vilnius, stored in UTC
    assert kpi(store, "1").due_at == datetime(2026, 3, 4, 15, 0)


def test_olist_estimated_delivery_is_the_due_time_and_title_and_message_join(store, tmp_path):
    summary = run(store, *OLIST, tmp_path, account="olist")
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert store.account("olist").account.timezone == "America/Sao_Paulo"
    late = one(store, T.tickets, "53cdb2fc8bc7dce0b6741e2150273451")
    assert late.due_at == datetime(2018, 8, 7, 3, 0)  # midnight in São Paulo (UTC−3)
    assert late.solved_at == datetime(2018, 8, 14, 16, 32, 39)  # delivered a week after the promise
    r = T.responses
    got = dict(rows(store, select(r.c.ticket_id, r.c.comment)))
    assert got["53cdb2fc8bc7dce0b6741e2150273451"] == (
        "Atrasou\n\nProduto chegou com uma semana de atraso, não recomendo a loja."
    )
    assert got["e481f51cbdc54678b7cc49136f2d6af7"] == "Recebi bem antes do prazo estipulado."  # no title: no blank line
    assert got["47770eb9100c2d0c44946d9cf07ec65d"] == "Bom"  # no message
    assert got["a4591c265e18cb1dcee52889e2d8acc3"] == ""  # neither
    rated = one(store, r, "53cdb2fc8bc7dce0b6741e2150273451:rating:csat")
    assert (rated.score, rated.given_at) == (1, datetime(2018, 8, 15, 19, 39, 1))  # review_answer_timestamp
    undelivered = one(store, T.tickets, "949d5b44dbf5de918fe9c16f97b45f8a")
    assert (undelivered.status, undelivered.solved_at) == ("open", None)  # shipped, never delivered


# ── several columns for one text ────────────────────────────────────────────────────


def test_text_and_comment_join_their_columns_with_a_blank_line_skipping_empty_ones(store, tmp_path):
    data = csv_file(
        tmp_path,
        '1,2026-03-02 09:00,,,,,Ona,Login fails,"It says ""wrong password"".",2,  Slow  ,,',
        "2,2026-03-02 10:00,,,,,Ona,,Only a body,4,,Only why,",
        "3,2026-03-02 11:00,,,,,Ona,,,5,,,",
    )
    run(store, data, mapping_file(tmp_path), tmp_path)
    t, r = T.tickets, T.responses
    assert dict(rows(store, select(t.c.source_id, t.c.description))) == {
        "1": 'Login fails\n\nIt says "wrong password".',
        "2": "Only a body",
        "3": "",
    }
    assert dict(rows(store, select(r.c.ticket_id, r.c.comment))) == {"1": "Slow", "2": "Only why", "3": ""}
    created = one(store, T.ticket_events, "1:created")
    assert created.body == 'Login fails\n\nIt says "wrong password".'  # the customer's message the model reads


def test_a_single_text_column_is_kept_exactly_as_before(store, tmp_path):
    data = csv_file(tmp_path, '1,2026-03-02 09:00,,,,,Ona,T,"  body with spaces  ",,,,')
    run(store, data, mapping_file(tmp_path, text='"body"', comment='"why"'), tmp_path)
    assert one(store, T.tickets, "1").description == "  body with spaces  "


# ── the mapping's timezone and the account's ───────────────────────────────────────


def test_the_mappings_timezone_becomes_a_new_accounts(store, tmp_path):
    summary = run(store, csv_file(tmp_path, "1,2026-03-02 09:00,,,,,Ona,,,,,,"), mapping_file(tmp_path), tmp_path)
    assert summary.warnings == []
    assert store.account("acme").account.timezone == "Europe/Vilnius"


def test_an_existing_account_with_another_timezone_keeps_it_and_is_warned_of(store, tmp_path):
    store.ensure_account(Account(name="acme", timezone="America/New_York"))
    summary = run(store, csv_file(tmp_path, "1,2026-03-02 09:00,,,,,Ona,,,,,,"), mapping_file(tmp_path), tmp_path)
    assert store.account("acme").account.timezone == "America/New_York"  # never changed silently
    [warning] = summary.warnings
    assert "America/New_York" in warning and "Europe/Vilnius" in warning
    assert "cxpulse settings acme --timezone Europe/Vilnius" in warning
    # the same timezone: nothing to say
    store.ensure_account(Account(name="vilnius", timezone="Europe/Vilnius"))
    assert run(store, csv_file(tmp_path, "2,2026-03-02 09:00,,,,,Ona,,,,,,"), mapping_file(tmp_path), tmp_path,
               account="vilnius").warnings == []  # fmt: skip


def test_a_mapping_without_a_timezone_leaves_the_account_alone(store, tmp_path):
    store.ensure_account(Account(name="acme", timezone="America/New_York"))
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nticket_id = "id"\ncreated_at = "created"\n', encoding="utf-8")
    data = csv_file(tmp_path, "1,2026-03-02T09:00:00+02:00", header="id,created\n")
    assert run(store, data, mapping, tmp_path).warnings == []
    assert run(store, data, mapping, tmp_path, account="fresh").warnings == []
    assert store.account("fresh").account.timezone == "UTC"


def test_a_file_that_stops_at_its_header_creates_no_account(store, tmp_path):
    data = csv_file(tmp_path, "1,2026-03-02 09:00", header="id,created\n")
    with pytest.raises(FormatError, match="no column"):
        run(store, data, mapping_file(tmp_path), tmp_path)
    assert store.accounts() == []


# ── implausible orders: in, and said ────────────────────────────────────────────────


def test_implausible_orders_of_times_go_in_and_the_summary_counts_them_with_lines(store, tmp_path):
    data = csv_file(
        tmp_path,
        "1,2026-03-02 09:00,2026-03-02 12:00,2026-03-02 10:00,,,Ona,,,,,,",  # solved before its first reply
        "2,2026-03-02 09:00,2026-03-02 08:30,,,,Ona,,,,,,",  # first reply before creation
        "3,2026-03-02 09:00,,,,2026-03-01 17:00,Ona,,,,,,",  # due before creation
        "4,2026-03-02 09:00,,,,,Ona,,,4,,,2026-03-01 09:00",  # rated before creation
        "5,2026-03-02 09:00,2026-03-02 09:30,2026-03-02 10:00,,,Ona,,,,,,",  # fine
        "6,2026-03-02 09:00,2026-03-02 13:00,2026-03-02 11:00,,,Ona,,,,,,",  # solved before its first reply
    )
    summary = run(store, data, mapping_file(tmp_path), tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0)
    assert store.count(T.tickets) == 6  # every row went in as it was
    assert summary.notes == {
        "solved before its first reply": 2,
        "first reply before creation": 1,
        "due before creation": 1,
        "rated before creation": 1,
    }
    lines = sorted((n.line, n.what) for n in summary.first_notes)
    assert lines == [
        (2, "solved before its first reply"),
        (3, "first reply before creation"),
        (4, "due before creation"),
        (5, "rated before creation"),
        (7, "solved before its first reply"),
    ]
    note = next(n for n in summary.first_notes if n.line == 2)
    assert "'2026-03-02 10:00'" in note.detail and "'2026-03-02 12:00'" in note.detail
    assert one(store, T.tickets, "1").solved_at == datetime(2026, 3, 2, 8, 0)  # stored as it was
    assert one(store, T.ticket_events, "1:first-reply").at == datetime(2026, 3, 2, 10, 0)


# ── placeholders for empty ──────────────────────────────────────────────────────────


def test_a_solved_time_before_creation_rejects_only_itself_and_names_the_nulls_fix(store, tmp_path):
    # A Zendesk export writes "1900-01-01 00:00" into an unsolved ticket's "Solved at".
    data = csv_file(tmp_path, "1,2026-03-02 09:00,,1900-01-01 00:00,,,Ona,,,,,,")
    summary = run(store, data, mapping_file(tmp_path), tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 1)
    [reject] = rejects_of(summary)
    assert (reject["line"], reject["field"], reject["kept_row"]) == (2, "solved", True)
    assert "is before 1990-01-01" in reject["reason"]  # outside the time window (domain/limits.py)
    assert '[nulls] solved = ["1900-01-01 00:00"]' in reject["reason"]
    ticket = one(store, T.tickets, "1")
    assert (ticket.status, ticket.solved_at) == ("open", None)
    assert kpi(store, "1").solved is False


def test_a_solved_time_in_the_window_but_before_creation_names_the_nulls_fix(store, tmp_path):
    data = csv_file(tmp_path, "1,2026-03-02 09:00,,2000-01-01 00:00,,,Ona,,,,,,")
    summary = run(store, data, mapping_file(tmp_path), tmp_path)
    [reject] = rejects_of(summary)
    assert (reject["line"], reject["field"], reject["kept_row"]) == (2, "solved", True)
    assert "before the ticket was created" in reject["reason"]
    assert '[nulls] solved = ["2000-01-01 00:00"]' in reject["reason"]


def test_nulls_global_and_per_column_mean_empty(store, tmp_path):
    mapping = mapping_file(
        tmp_path,
        csv_extra='nulls = ["-", "N/A"]',
        tables='[nulls]\n"solved" = ["1900-01-01 00:00"]\n"agent" = "nobody"\n',
    )
    data = csv_file(
        tmp_path,
        "1,2026-03-02 09:00,-,1900-01-01 00:00,,,nobody,,,n/a,N/A,,",
        "2,2026-03-02 09:00,2026-03-02 09:10,2026-03-02 10:00,,,Ona,-,Hello,5,,,",
        "3,2026-03-02 09:00,,,,,Ona,1900-01-01 00:00,,,,,",  # a per-column null is for its column only
    )
    summary = run(store, data, mapping, tmp_path)
    assert (summary.rejected, summary.fields_rejected) == (0, 0), rejects_of(summary)
    t = T.tickets
    got = {r.source_id: (r.solved_at, r.assignee_id, r.description) for r in rows(store, select(t))}
    assert got == {
        "1": (None, "", ""),
        "2": (datetime(2026, 3, 2, 8, 0), "Ona", "Hello"),
        "3": (None, "Ona", "1900-01-01 00:00"),
    }
    r = T.responses
    assert dict(rows(store, select(r.c.ticket_id, r.c.score))) == {"2": 5}  # "n/a" is no rating (case ignored)
    assert not rows(store, select(T.ticket_events).where(T.ticket_events.c.source_id == "1:first-reply"))


def test_zendesk_export_unsolved_placeholders_are_null_not_rejects(store, tmp_path):
    summary = run(store, *ZENDESK, tmp_path, account="insurer")
    assert (summary.rejected, summary.fields_rejected, summary.notes) == (0, 0, {})
    t = T.tickets
    got = {r.source_id: (r.status, r.solved_at, r.group_name) for r in rows(store, select(t))}
    assert got["70103"] == ("open", None, "Schaden")
    assert got["70104"] == ("pending", None, "")  # "-" in Group is empty too
    assert store.count(T.tickets) == 8


# ── a bad optional cell rejects only itself ─────────────────────────────────────────


def test_a_bad_optional_cell_rejects_only_that_cell(store, tmp_path):
    data = csv_file(
        tmp_path,
        "1,2026-03-02 09:00,soon,2026-03-02 10:00,yesterday,next week,Ona,,,7,,,later",
        "2,not a time,,,,,Ona,,,,,,",
        ",2026-03-02 09:00,,,,,Ona,,,,,,",
    )
    summary = run(store, data, mapping_file(tmp_path), tmp_path)
    got = [(r["line"], r["field"], r["kept_row"]) for r in rejects_of(summary)]
    assert sorted(got) == [
        (2, "due", True), (2, "rated", True), (2, "rating", True), (2, "replied", True), (2, "updated", True),
        (3, "created", False),
        (4, "id", False),
    ]  # fmt: skip
    assert (summary.rejected, summary.fields_rejected) == (2, 5)
    ticket = one(store, T.tickets, "1")
    assert (ticket.solved_at, ticket.updated_at, ticket.due_at) == (datetime(2026, 3, 2, 8, 0), None, None)
    assert store.count(T.responses) == 0  # the rating 7 is not on 1-5: left out
    events = {e.source_id for e in rows(store, select(T.ticket_events))}
    assert events == {"1:assigned", "1:created", "1:solved"}  # the first reply "soon" is left out


def test_a_responses_row_keeps_its_good_answers_when_one_is_bad(store, tmp_path):
    mapping = tmp_path / "r.toml"
    mapping.write_text(
        '[csv]\nrows = "responses"\n[columns]\nresponse_id = "id"\ngiven_at = "at"\n'
        '[[ratings]]\ncolumn = "nps"\nkind = "nps"\n[[ratings]]\ncolumn = "csat"\nkind = "csat"\n',
        encoding="utf-8",
    )
    data = csv_file(tmp_path, "a,2026-03-02T09:00:00Z,11,4", "b,2026-03-02T09:00:00Z,12,", header="id,at,nps,csat\n")
    summary = run(store, data, mapping, tmp_path)
    assert [(r["line"], r["field"], r["kept_row"]) for r in rejects_of(summary)] == [(2, "nps", True), (3, "nps", False)]
    assert [r.source_id for r in rows(store, select(T.responses))] == ["a:csat"]


# ── offered surveys are invitations ─────────────────────────────────────────────────


def test_offered_cells_are_invitations_and_the_response_rate_counts_them(store, tmp_path):
    summary = run(store, *ZENDESK, tmp_path, account="insurer")
    inv, r = T.invitations, T.responses
    invited = {x.ticket_id for x in rows(store, select(inv))}
    rated = dict(rows(store, select(r.c.ticket_id, r.c.score)))
    assert rated == {"70101": 1, "70102": 0, "70107": 1}
    assert invited == {"70101", "70102", "70107", "70105", "70106", "70108"}  # rated + "Offered"; not "Unoffered"
    assert summary.by_kind["invitation"].inserted == 6
    [rate] = [x for x in report(store, ReportQuery(metrics=("response-rate",))) if x["metric"] == "response_rate"]
    assert (rate["responses"], rate["n"], rate["value"]) == (3, 6, 50.0)  # rated / (rated + offered)
    again = run(store, *ZENDESK, tmp_path, account="insurer")
    assert (again.inserted, again.updated) == (0, 0)  # a re-import changes nothing


def test_without_offered_a_rating_implies_no_invitation(store, tmp_path):
    run(store, csv_file(tmp_path, "1,2026-03-02 09:00,,,,,Ona,,,4,,,"), mapping_file(tmp_path), tmp_path)
    assert store.count(T.responses) == 1 and store.count(T.invitations) == 0


def test_a_cell_in_both_offered_and_not_rated_is_refused(tmp_path):
    with pytest.raises(FormatError, match="both not_rated and offered"):
        load_mapping(mapping_file(tmp_path, rating_extra='offered = ["Offered"]\nnot_rated = ["offered"]'))


# ── the help desk's own figures ─────────────────────────────────────────────────────


def test_the_help_desks_figures_are_the_ticket_kpis(store, tmp_path):
    run(store, *ZENDESK, tmp_path, account="insurer")
    ticket = one(store, T.tickets, "70102")
    metrics = json.loads(ticket.metrics)
    assert metrics["reopens"] == 1 and metrics["replies"] == 3 and metrics["first_resolution_time_in_minutes"] == 1300
    k = kpi(store, "70102")
    # The row's events alone would say: 1 reply, no reopen, no business minutes (no business hours set).
    assert (k.agent_replies, k.reopens, k.reassignments, k.one_touch) == (3, 1, 1, False)
    assert (k.first_reply_minutes, k.first_reply_bh_minutes) == (920.0, 70.0)
    assert (k.full_resolution_minutes, k.full_resolution_bh_minutes) == (2770.0, 790.0)
    assert (k.requester_wait_minutes, k.requester_wait_bh_minutes) == (2170.0, 590.0)
    assert k.source == "metrics"
    simple = kpi(store, "70107")
    assert (simple.agent_replies, simple.reopens, simple.one_touch, simple.full_resolution_minutes) == (1, 0, True, 90.0)
    unsolved = kpi(store, "70103")
    assert (unsolved.solved, unsolved.full_resolution_minutes, unsolved.first_reply_minutes) == (False, None, 30.0)


def test_reports_use_the_help_desks_reopens(store, tmp_path):
    run(store, *ZENDESK, tmp_path, account="insurer")
    got = {x["metric"]: x for x in report(store, ReportQuery(metrics=("kpi",), since=date(2026, 3, 1), until=date(2026, 3, 31)))}
    assert got["reopen_rate"]["value"] == pytest.approx(100 / 6)  # 1 of the 6 solved tickets, as Zendesk counted


def test_a_bad_figure_is_left_out_alone(store, tmp_path):
    mapping = mapping_file(tmp_path, tables='[metrics]\nreopens = "remark"\nrequester_wait_time_in_minutes = "why"\n')
    data = csv_file(tmp_path, "1,2026-03-02 09:00,,,,,Ona,,,,1.5,90,", "2,2026-03-02 09:00,,,,,Ona,,,,2.0,1:30,")
    summary = run(store, data, mapping, tmp_path)
    assert [(r["line"], r["field"], r["kept_row"]) for r in rejects_of(summary)] == [(2, "remark", True)]
    assert "not a count: '1.5'" in rejects_of(summary)[0]["reason"]
    assert json.loads(one(store, T.tickets, "1").metrics) == {"requester_wait_time_in_minutes": 90.0, "figures_of_record": 1.0}
    assert json.loads(one(store, T.tickets, "2").metrics) == {
        "reopens": 2.0, "requester_wait_time_in_minutes": 90.0, "figures_of_record": 1.0,
    }  # fmt: skip


def test_mapped_figures_never_reach_the_as_of_features(store, tmp_path):
    """A reopen counted at the end (after a bad rating, say) must not teach the model:
    the same row with and without its help-desk figures gives the same snapshots."""
    with_figures, without = tmp_path / "with", tmp_path / "without"
    with_figures.mkdir()
    without.mkdir()
    line = "1,2026-03-02 09:00,2026-03-02 10:00,2026-03-02 12:00,2026-03-03 09:00,,Ona,Help,My order,1,,,"
    m_with = mapping_file(with_figures, tables='[metrics]\nreopens = "remark"\nreplies = "why"\n')
    m_without = mapping_file(without)
    run(store, csv_file(with_figures, line.replace(",1,,,", ",1,4,7,")), m_with, with_figures, account="with")
    run(store, csv_file(without, line.replace(",1,,,", ",1,,,")), m_without, without, account="without")

    def snaps(account: str):
        acc = store.account(account)
        with store.engine.connect() as conn:
            [(ticket, events)] = list(ticket_histories(conn, acc.id, ["1"]))
        times = training_times(ticket, events)
        times += [datetime(2026, 3, 2, 9, 30, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)]  # mid-life and long after
        return ticket, [(s.numeric, s.categorical) for s in snapshots(ticket, events, times, account=acc.account, history=RatingHistory([]))]

    t_with, s_with = snaps("with")
    t_without, s_without = snaps("without")
    assert t_with.metrics["reopens"] == 4 and not t_without.metrics
    assert s_with == s_without
    k = T.ticket_kpis
    by_account = dict(rows(store, select(k.c.account_id, k.c.reopens)))
    assert by_account == {store.account("with").id: 4, store.account("without").id: 0}  # the KPIs do use them


def test_metric_keys_cover_zendesks(tmp_path):
    """The CSV [metrics] keys are the Ticket.metrics keys the Zendesk reader writes."""
    assert {key for key, *_ in ZENDESK_METRICS} <= set(METRIC_KEYS)


# ── the mapping's new keys are checked ──────────────────────────────────────────────


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ('[metrics]\nreopen = "why"\n', "unknown key 'reopen' in [metrics]"),
        ('[metrics]\nreopens = ""\n', "[metrics] reopens must name a CSV column"),
        ('[nulls]\n"Solved" = ["-"]\n', "[nulls] names the column 'Solved', which the mapping does not read"),
        ('[nulls]\n"solved" = [1900]\n', "must be a list of cells"),
    ],
)
def test_a_wrong_new_key_says_what_to_fix(tmp_path, tables, message):
    with pytest.raises(FormatError) as err:
        load_mapping(mapping_file(tmp_path, tables=tables))
    assert message in str(err.value)


def test_a_text_list_must_name_columns(tmp_path):
    with pytest.raises(FormatError, match="a CSV column or a list of them"):
        load_mapping(mapping_file(tmp_path, text="[]"))


def test_an_unreadable_optional_time_names_the_nulls_fix(store, tmp_path):
    summary = run(store, csv_file(tmp_path, "1,2026-03-02 09:00,,N/A,,,Ona,,,,,,"), mapping_file(tmp_path), tmp_path)
    [reject] = rejects_of(summary)
    assert (reject["field"], reject["kept_row"]) == ("solved", True)
    assert "not a time: 'N/A'" in reject["reason"] and "if 'N/A' means empty, list it in the mapping's nulls" in reject["reason"]
    assert store.count(T.tickets) == 1
