"""Quality reviews end to end on SQLite and PostgreSQL: scorecards and their versions,
reviews and their IQS against hand computation, the report rows (iqs, iqs_criterion,
qa_agreement against Krippendorff's published example, qa_vs_csat), mystery reviews kept
apart and their tickets out of CSAT, NPS, CES and training, sampling, disputes."""

from __future__ import annotations

import json
import math

import pytest

from cxpulse.domain import InvalidQuery, NotFound
from cxpulse.domain.scorecards import ScorecardError
from cxpulse.metrics.qa import correlation_interval
from cxpulse.service import qa
from cxpulse.service.report import ReportQuery, report
from tests.qa_helpers import AT, CARD, help_desk, review


def rows(store, metric: str, *, by=(), mystery="exclude", account="acme") -> list[dict]:
    return report(store, ReportQuery(metrics=(metric,), by=tuple(by), account=account, mystery=mystery))


@pytest.fixture
def desk(store, tmp_path):
    help_desk(store, tmp_path)
    return store


# ---- scorecards --------------------------------------------------------------------------


def test_the_same_scorecard_applied_again_makes_no_new_version_and_a_change_makes_one(desk):
    card, made = qa.apply_scorecard(desk, "acme", CARD)
    assert (card.scorecard.version, made) == (1, False)  # help_desk applied it already
    first = review(desk, "T1", "rita")
    changed = {**CARD, "criteria": [{**CARD["criteria"][0], "weight": 3}, *CARD["criteria"][1:]]}
    card2, made2 = qa.apply_scorecard(desk, "acme", changed)
    assert (card2.scorecard.version, made2) == (2, True)
    later = review(desk, "T2", "rita")
    assert (first["scorecard_version"], later["scorecard_version"]) == (1, 2)
    again, _ = qa.list_reviews(desk, "acme", review_id=first["review_id"])
    assert again[0]["scorecard_version"] == 1  # a review keeps the version it was made on
    versions = qa.scorecards(desk, "acme", name="Chat", every_version=True)
    assert [v.scorecard.version for v in versions] == [1, 2]


def test_a_bad_scorecard_names_every_bad_field(desk):
    bad = {"name": "x", "criteria": [{"key": "Tone!", "labels": {"en": "Tone"}, "weight": 0, "scale": "1-10"}]}
    with pytest.raises(ScorecardError) as e:
        qa.apply_scorecard(desk, "acme", bad, where="card.toml")
    said = str(e.value)
    assert said.startswith("card.toml: ")
    for part in ("criteria[0].key", "criteria[0].weight", "criteria[0].scale"):
        assert part in said


# ---- reviews and IQS ------------------------------------------------------------------------


def test_review_score_is_the_weighted_share_of_points_and_a_failed_critical_makes_it_zero(desk):
    # solution 3 → 2/3 of its points (weight 2), tone pass (weight 1), honesty pass (weight 1):
    # (2·2/3 + 1 + 1) / 4 × 100 = 83.33
    assert review(desk, "T1", "rita", solution=3)["score"] == pytest.approx(250 / 3)
    assert review(desk, "T2", "rita", solution=4, honesty=False)["score"] == 0.0
    # tone N/A: (2·1 + 1) / 3 × 100 = 100; solution 1, tone fail: 0 + 0 + 1 of 4 → 25
    assert review(desk, "T3", "rita", solution=4, tone=None)["score"] == pytest.approx(100.0)
    assert review(desk, "T4", "rita", solution=1, tone=False)["score"] == pytest.approx(25.0)


def test_writing_the_same_review_twice_changes_nothing_and_a_change_replaces_it(desk):
    assert review(desk, "T1", "rita")["written"] == "inserted"
    assert review(desk, "T1", "rita")["written"] == "unchanged"
    changed = review(desk, "T1", "rita", solution=1)
    assert changed["written"] == "updated"
    stored, _ = qa.list_reviews(desk, "acme", ticket="T1")
    assert len(stored) == 1 and {s["criterion"]: s["score"] for s in stored[0]["scores"]}["solution"] == 1
    assert stored[0]["agent_id"] == "a1"  # the ticket's assignee


@pytest.mark.parametrize(("scores", "says"), [
    ({"solution": 5, "tone": True, "honesty": True}, "solution"),
    ({"solution": 4, "tone": True}, "honesty: no rating"),
    ({"solution": 4, "tone": True, "honesty": True, "speed": 2}, "no criterion 'speed'"),
    ({"solution": "great", "tone": True, "honesty": True}, "'great' is not a score"),
    ({"solution": True, "tone": True, "honesty": True}, "solution: True is a pass/fail rating"),
    ({"solution": "pass", "tone": True, "honesty": True}, "is scored 1–4"),
    ({"solution": 4, "tone": 3, "honesty": True}, "tone"),
])
def test_a_review_that_does_not_fit_its_scorecard_is_refused_naming_the_criterion(desk, scores, says):
    with pytest.raises(InvalidQuery, match=says):
        qa.create_review(desk, "acme", qa.ReviewInput(ticket_id="T1", reviewer="rita", scores=scores, scorecard="Chat"))
    assert qa.list_reviews(desk, "acme")[0] == []


def test_iqs_is_the_mean_review_score_with_a_t_interval_by_agent_and_criterion(desk):
    review(desk, "T1", "rita", solution=4)  # 100
    review(desk, "T2", "rita", solution=3)  # 83.33
    review(desk, "T3", "rita", solution=1, tone=False)  # 25
    review(desk, "T4", "rita", solution=2)  # (2·1/3 + 2) / 4 → 66.67
    (overall,) = [r for r in rows(desk, "iqs") if r["metric"] == "iqs"]
    values = [100, 250 / 3, 25, 200 / 3]
    mean = sum(values) / 4
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
    half = 3.182446305284263 * sd / 2  # t(0.975, 3)
    assert overall["n"] == 4 and overall["value"] == pytest.approx(mean)
    assert overall["low"] == pytest.approx(max(0, mean - half)) and overall["high"] == pytest.approx(min(100, mean + half))
    by_agent = {r["group"]["agent"]: r for r in rows(desk, "iqs", by=["agent"]) if r["metric"] == "iqs"}
    assert by_agent["a1"]["value"] == pytest.approx((100 + 250 / 3 + 25) / 3) and by_agent["a2"]["n"] == 1
    assert by_agent["a1"]["agent_name"] == "Ona"
    crit = {r["criterion"]: r for r in rows(desk, "iqs") if r["metric"] == "iqs_criterion"}
    # solution: 4, 3, 1, 2 → 1, 2/3, 0, 1/3 of the points → 50%; tone: 3 passes of 4 → 75%
    assert crit["solution"]["value"] == pytest.approx(50.0) and crit["solution"]["n"] == 4
    assert crit["tone"]["value"] == pytest.approx(75.0) and crit["honesty"]["value"] == pytest.approx(100.0)
    assert crit["solution"]["label"] == "Solution"
    only = rows(desk, "iqs", by=["criterion"])
    assert {r["metric"] for r in only} == {"iqs_criterion"}
    assert {r["group"]["criterion"]: r["value"] for r in only}["tone"] == pytest.approx(75.0)
    months = [r for r in rows(desk, "iqs", by=["month"]) if r["metric"] == "iqs"]
    assert [(r["group"]["month"], r["n"]) for r in months] == [("2026-03", 4)]


def test_criterion_is_a_by_key_of_the_qa_metrics_alone(desk):
    with pytest.raises(InvalidQuery, match="--by criterion"):
        report(desk, ReportQuery(metrics=("csat",), by=("criterion",)))
    with pytest.raises(InvalidQuery, match="--mystery"):
        report(desk, ReportQuery(metrics=("iqs",), mystery="sometimes"))


# ---- agreement -----------------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the binary example:
# two observers, ten units, nominal: alpha = 0.095
OBSERVER_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
OBSERVER_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]


def test_agreement_is_krippendorffs_alpha_per_criterion_on_tickets_two_reviewers_scored(desk, tmp_path):
    card = {"name": "Binary", "criteria": [{"key": "tone", "labels": {"en": "Tone"}, "scale": "pass_fail"}]}
    qa.apply_scorecard(desk, "acme", card)
    tickets = [f"T{i}" for i in range(1, 7)] + ["X7", "X8", "X9", "X10"]
    for i, ticket in enumerate(tickets):
        for who, marks in (("ann", OBSERVER_A), ("ben", OBSERVER_B)):
            qa.create_review(desk, "acme", qa.ReviewInput(ticket_id=ticket, reviewer=who, scorecard="Binary",
                                                          scores={"tone": bool(marks[i])}, created_at=AT))
    review(desk, "X11", "solo")  # one reviewer: no pair, no agreement row for its criteria
    (row,) = [r for r in rows(desk, "qa-agreement") if r["criterion"] == "tone"]
    assert row["value"] == pytest.approx(0.095, abs=0.0005)
    assert (row["tickets"], row["reviewers"], row["level"]) == (10, 2, "nominal")
    assert [r for r in rows(desk, "qa-agreement") if r["criterion"] == "solution"] == []


def test_agreement_is_ordinal_on_the_four_point_scale_and_one_when_reviewers_agree(desk):
    for ticket, s in (("T1", 4), ("T2", 1), ("T3", 3)):
        review(desk, ticket, "ann", solution=s)
        review(desk, ticket, "ben", solution=s)
    rows_ = {r["criterion"]: r for r in rows(desk, "qa-agreement")}
    assert rows_["solution"]["value"] == pytest.approx(1.0) and rows_["solution"]["level"] == "ordinal"
    assert rows_["tone"]["value"] is None  # everyone passed: agreement cannot be told from chance


# ---- IQS against CSAT ------------------------------------------------------------------------


def test_qa_vs_csat_puts_each_agents_iqs_beside_csat_and_correlates_them(desk, tmp_path):
    for n, agent in enumerate(("a3", "a4")):
        more = tmp_path / f"more{n}.jsonl"
        recs = []
        for i in range(3):
            tid = f"{agent}-{i}"
            recs.append({"type": "ticket", "id": tid, "created_at": "2026-03-05T09:00:00Z", "status": "solved",
                         "assignee_id": agent, "requester_id": "cx"})
            recs.append({"type": "rating", "id": f"{tid}-r", "ticket_id": tid, "score": 5 if i <= n else 1,
                         "given_at": "2026-03-06T09:00:00Z"})
        more.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
        from cxpulse.service.imports import import_path

        import_path(desk, "jsonl", more, account="acme")
    review(desk, "T1", "rita", solution=4)
    review(desk, "T4", "rita", solution=2)
    review(desk, "a3-0", "rita", solution=1, tone=False)
    review(desk, "a4-0", "rita", solution=3)
    got = rows(desk, "qa-vs-csat")
    per = {r["group"]["agent"]: r for r in got if r["metric"] == "qa_vs_csat"}
    assert per["a1"]["value"] == pytest.approx(100.0) and per["a1"]["csat"] == pytest.approx(200 / 3)
    assert per["a3"]["csat"] == pytest.approx(100 / 3) and per["a1"]["agent_name"] == "Ona"
    (corr,) = [r for r in got if r["metric"] == "qa_vs_csat_correlation"]
    agents = sorted(per)
    r, low, high = correlation_interval([per[a]["value"] for a in agents], [per[a]["csat"] for a in agents])
    assert (corr["value"], corr["low"], corr["high"], corr["n"]) == (pytest.approx(r), pytest.approx(low),
                                                                     pytest.approx(high), 4)


# ---- mystery shoppers ------------------------------------------------------------------------


def test_mystery_reviews_are_reported_apart(desk):
    review(desk, "T1", "rita", solution=4)
    review(desk, "T4", "shopper-1", solution=1, tone=False, mystery=True)
    iqs = {m: [r for r in rows(desk, "iqs", mystery=m) if r["metric"] == "iqs"][0] for m in ("exclude", "only", "include")}
    assert (iqs["exclude"]["n"], iqs["exclude"]["value"]) == (1, pytest.approx(100.0))
    assert (iqs["only"]["n"], iqs["only"]["value"]) == (1, pytest.approx(25.0))
    assert (iqs["include"]["n"], iqs["include"]["value"]) == (2, pytest.approx(62.5))


def test_a_mystery_tickets_rating_leaves_csat_at_once(desk):
    before = rows(desk, "csat")[0]
    assert (before["n"], before["satisfied"]) == (6, 4)
    review(desk, "T3", "shopper-1", mystery=True)  # T3 was rated 1: the shopper's own test rating
    after = rows(desk, "csat")[0]
    assert (after["n"], after["satisfied"]) == (5, 4)
    by_agent = {r["group"]["agent"]: r["n"] for r in rows(desk, "csat", by=["agent"])}
    assert by_agent == {"a1": 2, "a2": 3}
    by_day = sum(r["n"] for r in rows(desk, "csat", by=["day"]))  # the day rollup (and raw rows) too
    assert by_day == 5
    buckets = [r for r in rows(desk, "csat-by-kpi") if r["metric"] == "csat_by_reopens"]
    assert sum(r["n"] for r in buckets) == 5


def test_a_mystery_tickets_low_rating_leaves_the_drilldown(desk):
    from cxpulse.service.drilldown import low_ratings

    before = low_ratings(desk, account="acme")
    assert (before.rated, before.low_rated) == (6, 2)
    review(desk, "T3", "shopper-1", mystery=True)
    after = low_ratings(desk, account="acme")
    assert (after.rated, after.low_rated) == (5, 1)
    assert "T3" not in {t["ticket_id"] for t in after.tickets}


def test_a_mystery_tickets_nps_and_ces_answers_leave_those_figures_too(desk, tmp_path):
    recs = [{"type": "response", "id": "n1", "ticket_id": "T5", "kind": "nps", "score": 0, "given_at": "2026-03-05T13:00:00Z"},
            {"type": "response", "id": "n2", "ticket_id": "T6", "kind": "nps", "score": 10, "given_at": "2026-03-06T13:00:00Z"},
            {"type": "response", "id": "e1", "ticket_id": "T5", "kind": "ces", "score": 1, "given_at": "2026-03-05T13:00:00Z"}]
    path = tmp_path / "more.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs), encoding="utf-8")
    from cxpulse.service.imports import import_path

    import_path(desk, "jsonl", path, account="acme")
    assert rows(desk, "nps")[0]["n"] == 2 and rows(desk, "ces")[0]["n"] == 1
    review(desk, "T5", "shopper-1", mystery=True)
    assert rows(desk, "nps")[0]["value"] == pytest.approx(100.0)
    assert [r for r in rows(desk, "ces") if r["metric"] == "ces"] == []


def test_a_mystery_ticket_leaves_the_predictions_training_data(desk):
    from cxpulse.service.predict import load_account

    def rated():
        return {r.ticket.source_id for r in load_account(desk, desk.account("acme")).rated}

    assert "T3" in rated()
    review(desk, "T3", "shopper-1", mystery=True)
    assert rated() == {"T1", "T2", "T4", "T5", "T6"}
    from cxpulse.storage.predictions import csat_ratings

    with desk.engine.connect() as conn:  # the context inputs (agent's, customer's recent CSAT) read these
        assert "T3" not in {r.ticket_id for r in csat_ratings(conn, desk.account("acme").id)}


def test_a_review_no_longer_mystery_brings_its_ticket_back_into_csat(desk):
    review(desk, "T3", "shopper-1", mystery=True, id="m1")
    assert rows(desk, "csat")[0]["n"] == 5
    review(desk, "T3", "shopper-1", mystery=False, id="m1")
    assert rows(desk, "csat")[0]["n"] == 6


# ---- sampling and the queue --------------------------------------------------------------------


def test_a_sample_never_picks_a_ticket_the_reviewer_reviewed_and_spreads_the_agents(desk):
    review(desk, "T1", "rita")
    picked = qa.sample(desk, "acme", n=4, strategy="random", reviewers=["rita"], seed=3)
    tickets = [p["ticket_id"] for p in picked]
    assert "T1" not in tickets and len(tickets) == 4
    agents = [p["agent_id"] for p in picked]
    assert agents.count("a1") == 2 and agents.count("a2") == 2
    queue = qa.review_queue(desk, "acme", assignee="rita")
    assert [q["ticket_id"] for q in queue] == tickets and not any(q["done"] for q in queue)
    again = qa.sample(desk, "acme", n=10, strategy="random", reviewers=["rita"], seed=3)
    assert {p["ticket_id"] for p in again} == {"T2", "T3", "T4", "T5", "T6"} - set(tickets)  # never queued twice
    review(desk, tickets[0], "rita")
    assert [q["done"] for q in qa.review_queue(desk, "acme", assignee="rita")][0] is True


def test_sampling_strategies_pick_what_they_say(desk):
    low = qa.sample(desk, "acme", n=5, strategy="low-csat", reviewers=["ann"], seed=1)
    assert [p["ticket_id"] for p in low] in (["T3", "T4"], ["T4", "T3"])  # rated 1 and 2
    reopened = qa.sample(desk, "acme", n=5, strategy="reopened", reviewers=["ann"])
    assert [p["ticket_id"] for p in reopened] == ["T2"]
    two = qa.sample(desk, "acme", n=2, strategy="long", reviewers=["ann", "ben"])
    assert {p["assignee"] for p in two} == {"ann", "ben"}
    with pytest.raises(InvalidQuery, match="unknown strategy"):
        qa.sample(desk, "acme", n=2, strategy="oldest")


def test_a_mystery_ticket_is_never_sampled(desk):
    review(desk, "T3", "shopper-1", mystery=True)
    picked = qa.sample(desk, "acme", n=10, strategy="random", reviewers=["ann"])
    assert "T3" not in {p["ticket_id"] for p in picked}


# ---- disputes ----------------------------------------------------------------------------------


def test_an_agent_disputes_their_review_and_the_reviewer_resolves_it(desk):
    r = review(desk, "T1", "rita", solution=2)
    with pytest.raises(InvalidQuery, match="only they may dispute"):
        qa.open_dispute(desk, "acme", r["review_id"], agent_id="a2", comment="not mine")
    with pytest.raises(InvalidQuery, match="needs a comment"):
        qa.open_dispute(desk, "acme", r["review_id"], agent_id="a1", comment=" ")
    d = qa.open_dispute(desk, "acme", r["review_id"], agent_id="a1", comment="I solved it in one reply")
    with pytest.raises(InvalidQuery, match="already has an open dispute"):
        qa.open_dispute(desk, "acme", r["review_id"], agent_id="a1", comment="again")
    shown, _ = qa.list_reviews(desk, "acme", agent="a1")
    assert shown[0]["disputes"][0]["status"] == "open"
    done = qa.resolve_dispute(desk, "acme", d["id"], resolver="rita", comment="Fair: raised to 3")
    assert (done["status"], done["resolver_comment"], done["review_id"]) == ("resolved", "Fair: raised to 3",
                                                                             r["review_id"])
    with pytest.raises(InvalidQuery, match="already resolved"):
        qa.resolve_dispute(desk, "acme", d["id"], resolver="rita")
    with pytest.raises(NotFound):
        qa.open_dispute(desk, "acme", "no-such-review", agent_id="a1", comment="x")


# ---- import from another QA tool ------------------------------------------------------------

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "qa"


def test_the_shipped_example_imports_its_good_reviews_and_rejects_each_bad_row_by_line_and_column(desk):
    summary = qa.import_reviews(desk, "acme", EXAMPLES / "reviews.csv", EXAMPLES / "reviews.toml")
    assert (summary.inserted, summary.rejected) == (3, 4)
    said = sorted((r.line, r.field) for r in summary.rejects)
    assert said == [(10, "Rating"), (11, "Ticket ID"), (12, "Review created"), (13, "Rating category")]
    assert all(r.path.endswith("reviews.csv") for r in summary.rejects)
    got = {r["review_id"]: r for r in qa.list_reviews(desk, "acme")[0]}
    # rv-1002 failed the critical integrity criterion (Accuracy 1): 0
    assert got["rv-1002"]["score"] == 0.0 and got["rv-1002"]["root_cause"] == "Policy unclear"
    # rv-1003: competence Good → 3 (2/3 of weight 2), politeness 4 (weight 1), the rest N/A → 77.78
    assert got["rv-1003"]["score"] == pytest.approx(700 / 9)
    assert got["rv-1003"]["reviewer"] == "Дмитрий Орлов" and got["rv-1003"]["agent_id"] == "a1"
    assert got["rv-1001"]["created_at"].isoformat() == "2026-03-10T08:15:00+00:00"  # Vilnius time, stored UTC
    again = qa.import_reviews(desk, "acme", EXAMPLES / "reviews.csv", EXAMPLES / "reviews.toml")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert len(qa.list_reviews(desk, "acme")[0]) == 3


def test_a_review_per_row_file_imports_through_its_ratings_table(desk, tmp_path):
    (tmp_path / "m.toml").write_text('''
[csv]
rows = "reviews"
[columns]
review_id = "id"
ticket_id = "ticket"
created_at = "at"
reviewer = "by"
mystery = "shopper"
[review]
scorecard = "Chat"
[ratings]
solution = "Solution"
tone = { column = "Tone", comment = "Tone note" }
honesty = "Honest"
''', encoding="utf-8")
    (tmp_path / "r.csv").write_text("id,ticket,at,by,shopper,Solution,Tone,Tone note,Honest\n"
                                    "1,T1,2026-03-10T10:00:00Z,ann,,4,pass,warm,yes\n"
                                    "2,T3,2026-03-10T10:00:00Z,shop,yes,2,fail,curt,pass\n"
                                    "3,T5,2026-03-10T10:00:00Z,ann,,7,pass,,pass\n", encoding="utf-8")
    summary = qa.import_reviews(desk, "acme", tmp_path / "r.csv", tmp_path / "m.toml")
    assert (summary.inserted, summary.rejected) == (2, 1)
    assert (summary.rejects[0].line, summary.rejects[0].field) == (4, "rating")
    assert "outside the 1-4 scale" in summary.rejects[0].reason
    got = {r["review_id"]: r for r in qa.list_reviews(desk, "acme")[0]}
    assert got["2"]["mystery"] is True and {s["criterion"]: s["comment"] for s in got["1"]["scores"]}["tone"] == "warm"
    assert rows(desk, "csat")[0]["n"] == 5  # the shopper's ticket left CSAT


def test_a_mapping_naming_a_column_the_file_lacks_is_refused_before_anything_is_read(desk, tmp_path):
    from cxpulse.domain import FormatError

    (tmp_path / "m.toml").write_text('[columns]\nreview_id = "ID"\nticket_id = "Ticket"\ncreated_at = "At"\n'
                                     'reviewer = "Reviewer"\ncriterion = "Category"\nrating = "Score"\n', encoding="utf-8")
    (tmp_path / "r.csv").write_text("ID,Ticket,At,Reviewr,Category,Score\n", encoding="utf-8")
    with pytest.raises(FormatError, match="no column 'Reviewer'.*did you mean 'Reviewr'"):
        qa.import_reviews(desk, "acme", tmp_path / "r.csv", tmp_path / "m.toml")


def test_migration_0012_gives_the_keys_made_before_it_the_role_they_had(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    from cxpulse.service.keys import list_keys
    from cxpulse.storage import Store
    from cxpulse.storage.migrate import alembic_config, migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0011_sync_leases")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO accounts (id, name, timezone, business_hours, csat_scale, min_rated_for_model,"
                          " alert_below, created_at) VALUES (1, 'acme', 'UTC', '', '1-5', 300, 40, '2026-01-01')"))
        for i, (account, admin) in enumerate([(1, False), (None, True)], 1):
            conn.execute(text("INSERT INTO api_keys (id, account_id, admin, prefix, key_hash, name, created_at) "
                              "VALUES (:i, :a, :d, :p, :h, '', '2026-01-01')"),
                         {"i": i, "a": account, "d": admin, "p": f"cxp_{i}", "h": f"h{i}"})
    migrate(engine)
    engine.dispose()
    keys = list_keys(Store.open(tmp_path / "old.db"))
    assert [(k.role, k.may("write")) for k in keys] == [("account", True), ("admin", True)]


def test_the_same_review_id_twice_in_one_file_keeps_the_later_row(desk, tmp_path):
    (tmp_path / "m.toml").write_text('[csv]\nrows = "reviews"\n[columns]\nreview_id = "id"\nticket_id = "t"\n'
                                     'created_at = "at"\nreviewer = "by"\n[review]\nscorecard = "Chat"\n'
                                     '[ratings]\nsolution = "s"\ntone = "tone"\nhonesty = "h"\n', encoding="utf-8")
    (tmp_path / "r.csv").write_text("id,t,at,by,s,tone,h\n1,T1,2026-03-10T10:00:00Z,ann,1,pass,pass\n"
                                    "1,T1,2026-03-10T10:00:00Z,ann,4,pass,pass\n", encoding="utf-8")
    summary = qa.import_reviews(desk, "acme", tmp_path / "r.csv", tmp_path / "m.toml")
    assert (summary.inserted, summary.updated, summary.rejected) == (1, 1, 0)
    (only,) = qa.list_reviews(desk, "acme")[0]
    assert only["score"] == pytest.approx(100.0)
