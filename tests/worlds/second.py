"""The second world: two help desks exported as the Zendesk Support API returns them, with
ratings drawn from known probabilities (issue 12 §2).

Written apart from cxpulse's demo (src/cxpulse/demo/), so that a claim about the model
is checked on data the first generator did not shape. Nothing here imports cxpulse.

    write_world(directory, seed=11, tickets=6000) → summary dict
    python -m tests.worlds.second DIR [--seed 11] [--tickets 6000]

writes

    DIR/settings.jsonl          one `account` line per account (timezone, business hours)
    DIR/<account>/…             a Zendesk export, one folder per account (docs/zendesk.md)
    DIR/truth.json              per ticket: the true P(good) its rating was drawn from

and is imported with plain commands (the summary's "commands" holds them):

    cxpulse import jsonl DIR/settings.jsonl --db X
    cxpulse import zendesk DIR/radwerk --account radwerk --db X
    cxpulse import zendesk DIR/marsol --account marsol --db X

## The accounts

- **radwerk** — an e-bike subscription in Germany (Europe/Berlin), customers writing German
  or English; staff Mon–Sat 08–20. Channels email, web form, chat, in-app (`mobile_sdk`).
  Its export: the incremental ticket export (`tickets.json` pages of 1,000 with
  `end_of_stream`, deleted spam tickets included), `satisfaction_ratings.json` (ratings
  with their own times), audits, `ticket_metrics.json`, SLA `ticket_metric_events.json`.
- **marsol** — a phone and fibre provider in Portugal (Europe/Lisbon), customers writing
  Portuguese, Spanish or English; staff Mon–Fri 09–19. Channels email, WhatsApp, chat,
  phone (`voice`, the call a private `VoiceComment`), web form. Its export: the list
  endpoints' cursor pages of 100, ratings embedded in the tickets only (`{"score":
  "offered"}` without an id for a survey not answered), audits, metrics, SLA events.

Ticket ids start at 1 in both (two Zendesk instances), so an id alone does not name a ticket.

## How a ticket lives

Created at a weekday- and hour-shaped time; a customer (30% come back), a topic (only in
the tags and the words: `type` is Zendesk's question/incident/problem/task), a mood
(calm / annoyed / furious, shown in the first message's wording 75% of the time), a
priority, a channel. Routed to its topic's group, picked up by an agent after a delay in
working time (chat and WhatsApp within minutes when staffed, else the next morning;
email hours). Then: solved at once, or a question (pending) and the customer's answer, or
work in progress, an on-hold wait for a third party (some for weeks), 12% a transfer to
another group, 8–14% a reopen. Solved tickets close after 4 days. SLA: a requester-wait
target per priority, the clock pausing while pending; tasks carry their own `due_at`.

The CSAT survey goes out 24 h after the last solve (8% of tickets never get one), is
answered by 33–52% depending on the channel within 70 h, and its score is drawn from

    P(good) = sigmoid(logit), logit = base[account]
      + channel[account][channel]                      chat: +1.1 in radwerk, −0.9 in marsol
      + weekday[account][local weekday of creation]    radwerk weekends +0.6; marsol Mondays −0.7, Fridays +0.3
      + topic[account][topic] + language[account][lang] + mood (annoyed −0.5, furious −1.2)
      + agent quality (N(0, 0.4)) + customer generosity (N(0, 0.6))        hidden, but repeated
      + slow first reply: −1.3 when over 30 min on chat/in-app/WhatsApp,
                          −1.1 when over 2 h on an urgent ticket (the worse of the two) — no effect elsewhere
      + −1.4 when the resolution (creation → last solve) took over 48 h — a cliff, flat on either side
      + −0.8 when solved past the due time (SLA deadline or a task's due_at), −0.5 more past 24 h late
      + −0.6 per reopen, −0.45 per group transfer, −0.2 when urgent

`truth.json` holds it per ticket: {"p", "p_seen", "created_at", "status", "rating"} (p is
null for a ticket not solved by the export's end; p_seen leaves out the agent's and the
customer's hidden traits), plus these coefficients under "model". A ticket's true
probability uses only what happened before its rating, so the ceiling AUC (the true p
against the drawn labels) is what a perfect model could reach; p_seen's AUC is what one
that sees every ticket whole, but knows nothing of the people, could.

Deterministic for a seed; ~6,000 tickets in a few seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.worlds import second_texts as X

ZENDESK = -1  # the author of what Zendesk does itself (triggers, automations)
MOODS = {"calm": 0.55, "annoyed": 0.30, "furious": 0.15}
MOOD_EFFECT = {"calm": 0.0, "annoyed": -0.5, "furious": -1.2}
MOOD_SHOWN = 0.75  # how often an upset customer writes like one
SLOW_FAST_MINUTES, SLOW_FAST = 30, -1.3
SLOW_URGENT_MINUTES, SLOW_URGENT = 120, -1.1
CLIFF_HOURS, CLIFF = 48, -1.4
LATE, VERY_LATE_HOURS, VERY_LATE = -0.8, 24, -0.5
REOPEN, TRANSFER, URGENT = -0.6, -0.45, -0.2
AGENT_QUALITY_SD, CUSTOMER_SD = 0.4, 0.6
RETURNING = 0.30  # share of tickets from a customer seen before
UNOFFERED = 0.08  # solved tickets that never get a survey
SURVEY_AFTER = timedelta(hours=24)  # Zendesk's default automation
CLOSE_AFTER = timedelta(days=4)
AUTO_SOLVE_PENDING = timedelta(days=7)
FORGOTTEN = 0.025  # tickets nobody solves (open or on hold for good): the backlog `score --open` works on
DAYS = 300


@dataclass(frozen=True)
class Spec:
    """One help desk: who writes, how, and what makes its customers happy."""

    name: str
    timezone: str
    own_language: str
    languages: dict[str, float]
    language_effect: dict[str, float]
    channels: dict[str, float]
    channel_effect: dict[str, float]
    answer_rate: dict[str, float]  # channel → share of surveys answered
    fast_channels: frozenset[str]
    quick_pickup: float  # share of fast-channel contacts in staffed hours answered within minutes (else a queue)
    work_days: frozenset[int]
    work_hours: tuple[int, int]
    weekday_volume: tuple[float, ...]  # Monday … Sunday
    weekday_effect: tuple[float, ...]
    topics: dict[str, float]
    topic_effect: dict[str, float]
    topic_group: dict[str, str]
    hold_topics: frozenset[str]
    groups: tuple[str, ...]
    agents_per_group: int
    sla_hours: dict[str, float]  # priority → requester-wait target, calendar hours
    base: float
    rating_file: bool  # satisfaction_ratings.json beside the tickets
    incremental: bool  # tickets as the incremental export (with deleted tickets), else cursor pages
    first_user_id: int
    first_group_id: int


SPECS: dict[str, Spec] = {
    "radwerk": Spec(
        name="radwerk", timezone="Europe/Berlin", own_language="de",
        languages={"de": 0.65, "en": 0.35}, language_effect={"de": 0.0, "en": 0.15},
        channels={"email": 0.33, "web": 0.17, "chat": 0.30, "mobile_sdk": 0.20},
        channel_effect={"email": 0.0, "web": -0.1, "chat": 1.1, "mobile_sdk": 0.2},
        answer_rate={"email": 0.36, "web": 0.33, "chat": 0.50, "mobile_sdk": 0.44},
        fast_channels=frozenset({"chat", "mobile_sdk"}), quick_pickup=0.9,
        work_days=frozenset({0, 1, 2, 3, 4, 5}), work_hours=(8, 20),
        weekday_volume=(1.15, 1.05, 1.0, 1.0, 0.95, 0.65, 0.55),
        weekday_effect=(0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.6),
        topics={"akku": 0.2, "schaden": 0.2, "app": 0.18, "abo": 0.14, "rechnung": 0.14, "termin": 0.14},
        topic_effect={"akku": -0.2, "schaden": -0.3, "app": 0.0, "abo": 0.5, "rechnung": -0.5, "termin": -0.6},
        topic_group={"akku": "Technik", "schaden": "Werkstatt", "app": "Technik", "abo": "Kundenservice",
                     "rechnung": "Kundenservice", "termin": "Werkstatt"},
        hold_topics=frozenset({"akku", "schaden", "termin"}),
        groups=("Kundenservice", "Technik", "Werkstatt"), agents_per_group=5,
        sla_hours={"urgent": 4, "high": 12, "normal": 30, "low": 72},
        base=2.05, rating_file=True, incremental=True,
        first_user_id=361_000_000_001, first_group_id=360_001_000_001,
    ),
    "marsol": Spec(
        name="marsol", timezone="Europe/Lisbon", own_language="pt",
        languages={"pt": 0.55, "es": 0.35, "en": 0.10}, language_effect={"pt": 0.0, "es": -0.3, "en": 0.1},
        channels={"email": 0.28, "whatsapp": 0.25, "chat": 0.17, "voice": 0.20, "web": 0.10},
        channel_effect={"email": 0.0, "whatsapp": 0.2, "chat": -0.9, "voice": 0.3, "web": 0.0},
        answer_rate={"email": 0.37, "whatsapp": 0.45, "chat": 0.52, "voice": 0.33, "web": 0.36},
        fast_channels=frozenset({"chat", "whatsapp"}), quick_pickup=0.7,
        work_days=frozenset({0, 1, 2, 3, 4}), work_hours=(9, 19),
        weekday_volume=(1.35, 1.05, 1.0, 1.0, 0.95, 0.6, 0.4),
        weekday_effect=(-0.7, 0.0, 0.0, 0.0, 0.3, 0.0, 0.0),
        topics={"fibra": 0.2, "portabilidade": 0.12, "roaming": 0.1, "fatura": 0.18, "esim": 0.12, "contrato": 0.13,
                "cobertura": 0.15},
        topic_effect={"fibra": -0.5, "portabilidade": -0.4, "roaming": 0.0, "fatura": -0.3, "esim": 0.3,
                      "contrato": 0.3, "cobertura": -0.2},
        topic_group={"fibra": "Técnico", "portabilidade": "Linhas", "roaming": "Linhas", "fatura": "Faturação",
                     "esim": "Linhas", "contrato": "Faturação", "cobertura": "Técnico"},
        hold_topics=frozenset({"fibra", "portabilidade", "cobertura"}),
        groups=("Faturação", "Linhas", "Técnico"), agents_per_group=6,
        sla_hours={"urgent": 6, "high": 16, "normal": 40, "low": 96},
        base=2.25, rating_file=False, incremental=False,
        first_user_id=372_000_000_001, first_group_id=370_002_000_001,
    ),
}
DEFAULT_ACCOUNTS = ("radwerk", "marsol")


# ---- small helpers -----------------------------------------------------------------------


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat()[:19] + "Z"  # isoformat: 5× faster than strftime


def _sec(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


def _html(text: str) -> str:
    body = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
    return f'<div class="zd-comment" dir="auto"><p dir="auto">{body}</p></div>'


def _dump(path: Path, body: dict) -> None:
    # json.dumps, not json.dump: only the former takes the C encoder (json.dump streams in Python, 10× slower)
    path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@dataclass
class _Audit:
    at: datetime
    author: int
    events: list[dict]
    via: str = "web"
    status: str | None = None  # the ticket's status after this audit
    id: int = 0


@dataclass
class _Life:
    """One ticket's whole life (it may run past the export's end; the writer cuts it)."""

    id: int
    created: datetime
    requester: dict
    channel: str
    topic: str
    lang: str
    mood: str
    ttype: str
    priority: str
    subject: str
    description: str
    group: str
    audits: list[_Audit] = field(default_factory=list)
    statuses: list[tuple[datetime, str]] = field(default_factory=list)  # (at, status) from creation on
    priorities: list[tuple[datetime, str]] = field(default_factory=list)
    assignee: dict | None = None
    groups_seen: list[str] = field(default_factory=list)
    assignees_seen: list[int] = field(default_factory=list)
    first_reply: datetime | None = None
    solves: list[datetime] = field(default_factory=list)
    reopens: int = 0
    transfers: int = 0
    due_at: datetime | None = None  # a task's own due date
    no_survey: bool = False
    sent: datetime | None = None
    given: datetime | None = None
    score: str | None = None  # "good" / "bad" once drawn
    p: float | None = None
    p_seen: float | None = None  # without the hidden traits of the agent and the customer
    parts: dict = field(default_factory=dict)
    rating_id: int | None = None
    rating_comment: str | None = None
    rating_reason: tuple[str, int] | None = None
    deleted: bool = False


class _Desk:
    """One account's help desk, simulated ticket by ticket."""

    def __init__(self, spec: Spec, seed: int, n: int, end: datetime) -> None:
        self.s = spec
        self.rng = random.Random(f"second-world/{seed}/{spec.name}")
        self.tz = ZoneInfo(spec.timezone)
        self.end = end
        self.start = end - timedelta(days=DAYS)
        self.n = n
        self.next_user = spec.first_user_id
        self.next_event = 20_000_000_001 + (spec.first_user_id % 1000) * 10_000_000
        self.next_rating = 9_100_000_001
        self.agents: list[dict] = []
        self.customers: list[dict] = []
        self.group_ids = {g: spec.first_group_id + i for i, g in enumerate(spec.groups)}
        self._make_agents()

    # -- people --

    def _user_id(self) -> int:
        uid = self.next_user
        self.next_user += 1
        return uid

    def _eid(self) -> int:
        eid = self.next_event
        self.next_event += 1
        return eid

    def _make_agents(self) -> None:
        rng, s = self.rng, self.s
        lang = s.own_language
        for group in s.groups:
            for _ in range(s.agents_per_group):
                first, last = rng.choice(X.FIRST_NAMES[lang]), rng.choice(X.LAST_NAMES[lang])
                quality = rng.gauss(0.0, AGENT_QUALITY_SD)
                self.agents.append({
                    "id": self._user_id(), "name": f"{first} {last}", "first": first, "group": group,
                    "email": f"{first.lower()}.{last.lower()}@{s.name}.example".replace(" ", ""),
                    "speed": math.exp(rng.gauss(0.0, 0.35)), "quality": quality,
                    "style": "warm" if rng.random() < _sigmoid(2.5 * quality + 0.3) else "terse",
                    "lang": lang,
                })
        self.agents[0]["admin"] = True

    def _agent(self, group: str, not_id: int | None = None) -> dict:
        pool = [a for a in self.agents if a["group"] == group and a["id"] != not_id]
        return self.rng.choice(pool)

    def _customer(self) -> dict:
        rng = self.rng
        if self.customers and rng.random() < RETURNING:
            return rng.choice(self.customers)
        lang = _pick(rng, self.s.languages)
        first, last = rng.choice(X.FIRST_NAMES[lang]), rng.choice(X.LAST_NAMES[lang])
        uid = self._user_id()
        c = {"id": uid, "name": f"{first} {last}", "first": first, "lang": lang,
             "email": f"{first.lower()}.{last.lower()}.{uid % 100000}@mail.example",
             "phone": f"+{49 if self.s.name == 'radwerk' else 351}{rng.randrange(100_000_000, 999_999_999)}",
             "generosity": rng.gauss(0.0, CUSTOMER_SD)}
        self.customers.append(c)
        return c

    # -- time --

    def _in_hours(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        lo, hi = self.s.work_hours
        return local.weekday() in self.s.work_days and lo <= local.hour < hi

    def _work(self, at: datetime, minutes: float) -> datetime:
        """`minutes` of staffed time after `at` (the agents' schedule, account time)."""
        lo, hi = self.s.work_hours
        t = at.astimezone(self.tz)
        left = minutes
        for _ in range(400):
            day_start = t.replace(hour=lo, minute=0, second=0, microsecond=0)
            day_end = t.replace(hour=hi, minute=0, second=0, microsecond=0)
            if t.weekday() not in self.s.work_days or t >= day_end:
                t = (t + timedelta(days=1)).replace(hour=lo, minute=0, second=0, microsecond=0)
                continue
            t = max(t, day_start)
            room = _minutes(t, day_end)
            if left <= room:
                return _sec((t + timedelta(minutes=left)).astimezone(UTC))
            left -= room
            t = (t + timedelta(days=1)).replace(hour=lo, minute=0, second=0, microsecond=0)
        raise AssertionError("no working time found")  # pragma: no cover

    def _work_minutes(self, a: datetime, b: datetime) -> int:
        """Staffed minutes between two times (Zendesk's business minutes on this schedule)."""
        if b <= a:
            return 0
        lo, hi = self.s.work_hours
        la, lb = a.astimezone(self.tz), b.astimezone(self.tz)
        total = 0.0
        day = la.replace(hour=0, minute=0, second=0, microsecond=0)
        while day <= lb:
            if day.weekday() in self.s.work_days:
                s, e = day.replace(hour=lo), day.replace(hour=hi)
                lo_t, hi_t = max(s, la), min(e, lb)
                if hi_t > lo_t:
                    total += _minutes(lo_t, hi_t)
            day = (day + timedelta(days=1)).replace(hour=0)
        return int(total)

    def _created_times(self) -> list[datetime]:
        rng, s = self.rng, self.s
        first_day = self.start.astimezone(self.tz).date()
        days = [first_day + timedelta(days=i) for i in range(DAYS)]
        day_w = [s.weekday_volume[d.weekday()] for d in days]
        hour_w = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 1.6, 2.6, 3.0, 3.0, 2.8, 2.4, 2.6, 2.8, 2.7, 2.5, 2.2, 2.0, 1.8,
                  1.6, 1.2, 0.8, 0.4]
        out = []
        for d in rng.choices(days, weights=day_w, k=self.n):
            h = rng.choices(range(24), weights=hour_w)[0]
            local = datetime(d.year, d.month, d.day, h, rng.randrange(60), rng.randrange(60), tzinfo=self.tz)
            out.append(local.astimezone(UTC))
        return sorted(out)

    # -- one ticket --

    def _text(self, life: _Life, problem: str) -> str:
        rng, lang = self.rng, life.lang
        shown = life.mood if rng.random() < MOOD_SHOWN else "calm"
        parts = [rng.choice(X.MOOD_OPEN[lang][shown]), problem]
        if rng.random() < 0.3:
            parts.append(X.CUSTOMER_NUMBER[lang].format(num=rng.randrange(100_000, 999_999)))
        parts.append(rng.choice(X.MOOD_CLOSE[lang][shown]))
        text = "\n\n".join([parts[0], " ".join(parts[1:-1]), parts[-1]])
        return f"{text}\n{life.requester['first']}"

    def _agent_says(self, agent: dict, life: _Life, core: str, *, greet: bool = True, close: bool = False) -> str:
        lang, style = life.lang, agent["style"]
        parts = []
        if greet:
            parts.append(X.GREET[style][lang].format(name=life.requester["first"]))
            if style == "warm":
                parts.append(self.rng.choice(X.EMPATHY[lang]))
        parts.append(core)
        if close:
            parts.append(X.CLOSING[style][lang].format(agent=agent["first"]))
        elif style == "warm":
            parts.append(agent["first"])
        return "\n\n".join(parts)

    def _comment(self, author: int, body: str, public: bool = True, kind: str = "Comment") -> dict:
        return {"id": self._eid(), "type": kind, "author_id": author, "body": body, "html_body": _html(body),
                "plain_body": body, "public": public, "attachments": []}

    def _change(self, life: _Life, name: str, value, previous) -> dict:
        return {"id": self._eid(), "type": "Change", "field_name": name, "value": value, "previous_value": previous}

    def _status(self, life: _Life, at: datetime, new: str, events: list[dict]) -> None:
        old = life.statuses[-1][1]
        if old != new:
            events.append(self._change(life, "status", new, old))
            life.statuses.append((_sec(at), new))

    def _add(self, life: _Life, at: datetime, author: int, events: list[dict], via: str = "web") -> None:
        life.audits.append(_Audit(_sec(at), author, events, via, life.statuses[-1][1], self._eid()))

    def _assign(self, life: _Life, agent: dict, events: list[dict]) -> None:
        old = life.assignee["id"] if life.assignee else None
        events.append(self._change(life, "assignee_id", str(agent["id"]), None if old is None else str(old)))
        life.assignee = agent
        life.assignees_seen.append(agent["id"])

    def _reply(self, life: _Life, at: datetime, agent: dict, body: str, status: str,
               extra: Sequence[dict] = ()) -> None:
        events = [*extra, self._comment(agent["id"], body)]
        self._status(life, at, status, events)
        if life.first_reply is None:
            life.first_reply = _sec(at)
        if status == "solved":
            life.solves.append(_sec(at))
        self._add(life, at, agent["id"], events)

    def _first_touch_at(self, life: _Life, agent: dict) -> datetime:
        rng, t = self.rng, life.created
        prio = {"urgent": 0.35, "high": 0.6, "normal": 1.0, "low": 1.5}[life.priority]
        if life.channel in self.s.fast_channels:
            if self._in_hours(t):
                quick = rng.random() < self.s.quick_pickup
                wait = rng.expovariate(1 / 5) if quick else rng.lognormvariate(math.log(50), 0.6)
                return _sec(t + timedelta(minutes=1 + wait * agent["speed"]))
            return self._work(t, 1 + rng.expovariate(1 / 25))
        return self._work(t, rng.lognormvariate(math.log(150), 0.9) * agent["speed"] * prio)

    def life(self, tid: int, created: datetime) -> _Life:
        rng, s = self.rng, self.s
        cust = self._customer()
        channel = _pick(rng, s.channels)
        topic = _pick(rng, s.topics)
        if channel == "voice" and not self._in_hours(created):  # nobody answers the phone: they write instead
            channel = "email"
        lang = cust["lang"]
        subjects, problems, fixes = X.TOPICS[s.name][topic][lang]
        mood = _pick(rng, MOODS)
        urgent_topic = topic in ("fibra", "termin", "akku")
        priority = _pick(rng, {"low": 0.2, "normal": 0.55, "high": 0.17, "urgent": 0.18 if urgent_topic else 0.06})
        ttype = _pick(rng, {"question": 0.35, "incident": 0.40, "problem": 0.10, "task": 0.15})
        subject = rng.choice(subjects)
        if mood == "furious" and rng.random() < 0.4:
            subject = {"de": "DRINGEND: ", "en": "URGENT: ", "pt": "URGENTE: ", "es": "URGENTE: "}[lang] + subject
        problem = rng.choice(problems)
        life = _Life(tid, created, cust, channel, topic, lang, mood, ttype, priority, subject, "", s.topic_group[topic])
        life.statuses.append((created, "new"))
        life.priorities.append((created, priority))
        life.groups_seen.append(life.group)
        if ttype == "task":
            local = created.astimezone(self.tz) + timedelta(days=rng.randint(2, 5))
            life.due_at = local.replace(hour=16, minute=0, second=0).astimezone(UTC)
        life.no_survey = rng.random() < UNOFFERED
        agent = self._agent(life.group)
        gid = self.group_ids[life.group]

        # creation
        create = [{"id": self._eid(), "type": "Create", "field_name": "priority", "value": priority},
                  {"id": self._eid(), "type": "Create", "field_name": "group_id", "value": gid},
                  {"id": self._eid(), "type": "Create", "field_name": "type", "value": ttype}]
        if channel == "voice":
            mins, secs = rng.randint(2, 14), rng.randrange(60)
            note = X.CALL_NOTE[lang].format(phone=cust["phone"], dur=f"{mins}:{secs:02d}", problem=problem)
            life.description = note
            voice = self._comment(agent["id"], note, public=False, kind="VoiceComment")
            voice["data"] = {"from": cust["phone"], "to": "+351210000000", "call_duration": mins * 60 + secs,
                             "recording_url": None, "answered_by_id": agent["id"], "location": "Portugal"}
            events = [voice, {"id": self._eid(), "type": "Create", "field_name": "status", "value": "open"}, *create,
                      {"id": self._eid(), "type": "Create", "field_name": "assignee_id", "value": agent["id"]}]
            life.statuses.append((created, "open"))
            life.assignee = agent
            life.assignees_seen.append(agent["id"])
            self._add(life, created, agent["id"], events, via="voice")
        else:
            life.description = self._text(life, problem)
            events = [self._comment(cust["id"], life.description),
                      {"id": self._eid(), "type": "Create", "field_name": "status", "value": "new"}, *create,
                      {"id": self._eid(), "type": "Notification", "subject": "[{{ticket.account}}] {{ticket.title}}",
                       "body": "Wir haben Ihre Anfrage erhalten." if s.own_language == "de"
                       else "Recebemos o seu pedido.",
                       "recipients": [cust["id"]],
                       "via": {"channel": "rule", "source": {"from": {"id": 360_005_001, "title": "Auto-reply"},
                                                             "rel": "trigger"}}}]
            self._add(life, created, cust["id"], events, via=channel)

        # first touch: maybe a transfer, then the first public answer
        if channel == "voice":
            t = _sec(life.created + timedelta(minutes=rng.uniform(5, 40)))
        else:
            t = self._first_touch_at(life, agent)
        extra: list[dict] = []
        if life.assignee is None:
            self._assign(life, agent, extra)
        if mood == "furious" and priority in ("low", "normal") and rng.random() < 0.3:
            extra.append(self._change(life, "priority", "high", priority))
            life.priority = "high"
            life.priorities.append((_sec(t), "high"))
        if rng.random() < 0.12:  # wrong group: an internal note and a transfer before anyone answers
            other = rng.choice([g for g in s.groups if g != life.group])
            taker = self._agent(other)
            note = self._comment(agent["id"], rng.choice(X.NOTE[s.name]["transfer"]), public=False)
            extra += [note, self._change(life, "group_id", str(self.group_ids[other]), str(self.group_ids[life.group]))]
            self._assign(life, taker, extra)
            self._status(life, t, "open", extra)
            self._add(life, t, agent["id"], extra)
            extra = []
            life.group = other
            life.groups_seen.append(other)
            life.transfers += 1
            agent = taker
            t = self._work(t, rng.lognormvariate(math.log(150), 0.8) * agent["speed"])
        solve_now = {"question": 0.45, "incident": 0.2, "problem": 0.1, "task": 0.25}[ttype]
        fix_i = rng.randrange(len(fixes))
        prefix = X.CALL_FOLLOWUP[lang] + " " if channel == "voice" else ""

        def solve(at: datetime, who: dict, fix: str, extra: Sequence[dict] = ()) -> None:
            lead = prefix if life.first_reply is None else ""  # the follow-up of a call says so
            self._reply(life, at, who, self._agent_says(who, life, lead + fix, close=True), "solved", extra)

        if rng.random() < FORGOTTEN:  # answered once, then forgotten: still unsolved at the export's end
            working = self._agent_says(agent, life, prefix + X.WORKING[agent["style"]][lang])
            self._reply(life, t, agent, working, "open", extra)
            if topic in s.hold_topics and rng.random() < 0.5:
                t = self._work(t, rng.uniform(30, 600))
                events = [self._comment(agent["id"], rng.choice(X.NOTE[s.name]["hold"]), public=False)]
                self._status(life, t, "hold", events)
                self._add(life, t, agent["id"], events)
            return life
        held = False
        if rng.random() < solve_now:
            solve(t, agent, fixes[fix_i], extra)
        else:
            state = "pending" if rng.random() < 0.55 else "open"
            core = rng.choice(X.ASK[s.name][lang]) if state == "pending" else X.WORKING[agent["style"]][lang]
            self._reply(life, t, agent, self._agent_says(agent, life, prefix + core), state, extra)
            prio = {"urgent": 0.35, "high": 0.6, "normal": 1.0, "low": 1.5}[life.priority]
            long_wait = rng.random() < 0.07
            for round_ in range(6):
                if state == "pending":
                    if rng.random() < 0.08:  # never answers: Zendesk's automation solves it
                        at = t + AUTO_SOLVE_PENDING
                        events: list[dict] = []
                        self._status(life, at, "solved", events)
                        life.solves.append(_sec(at))
                        self._add(life, at, ZENDESK, events, via="rule")
                        break
                    t = _sec(t + timedelta(minutes=rng.lognormvariate(math.log(300), 1.1)))
                    events = [self._comment(life.requester["id"], rng.choice(X.ANSWER[lang]).format(
                        num=rng.randrange(10_000, 99_999)))]
                    self._status(life, t, "open", events)
                    self._add(life, t, life.requester["id"], events, via=channel)
                    t = self._work(t, rng.lognormvariate(math.log(120), 0.9) * agent["speed"] * prio)
                else:
                    t = self._work(t, rng.lognormvariate(math.log(200), 0.9) * agent["speed"] * prio)
                roll = rng.random()
                if not held and topic in s.hold_topics and roll < 0.35:
                    held = True
                    events = [self._comment(agent["id"], rng.choice(X.NOTE[s.name]["hold"]), public=False)]
                    self._status(life, t, "hold", events)
                    self._add(life, t, agent["id"], events)
                    wait = rng.uniform(4, 45) * 24 * 60 if long_wait else rng.lognormvariate(math.log(30 * 60), 0.7)
                    t = self._work(t + timedelta(minutes=wait), rng.uniform(5, 90))
                    self._reply(life, t, agent, self._agent_says(agent, life, X.BACK_FROM_HOLD[lang], greet=False),
                                "open")
                    t = self._work(t, rng.uniform(10, 120))
                    solve(t, agent, fixes[fix_i])
                    break
                if roll < 0.55 + 0.15 * round_:
                    solve(t, agent, fixes[fix_i])
                    break
                state = "pending" if rng.random() < 0.6 else "open"
                core = rng.choice(X.ASK[s.name][lang]) if state == "pending" else X.WORKING[agent["style"]][lang]
                self._reply(life, t, agent, self._agent_says(agent, life, core, greet=False), state)
            else:
                solve(self._work(t, 60), agent, fixes[fix_i])

        # a reopen before the survey goes out
        if rng.random() < 0.08 + (0.06 if mood == "furious" else 0.0):
            t = _sec(life.solves[-1] + timedelta(minutes=min(rng.lognormvariate(math.log(360), 0.8), 20 * 60)))
            events = [self._comment(life.requester["id"], rng.choice(X.REOPEN[lang]))]
            self._status(life, t, "open", events)
            self._add(life, t, life.requester["id"], events, via=channel)
            life.reopens += 1
            t = self._work(t, rng.lognormvariate(math.log(90), 0.8) * agent["speed"])
            self._reply(life, t, agent, self._agent_says(agent, life, X.AGAIN[agent["style"]][lang]), "open")
            t = self._work(t, rng.lognormvariate(math.log(180), 0.8) * agent["speed"])
            solve(t, agent, fixes[(fix_i + 1) % len(fixes)])

        last_solve = life.solves[-1]
        self._truth(life)
        if not life.no_survey:
            life.sent = _sec(last_solve + SURVEY_AFTER + timedelta(minutes=rng.uniform(0, 59)))
            life.rating_id = self.next_rating
            self.next_rating += 1
            if rng.random() < s.answer_rate[channel]:
                life.given = _sec(life.sent + timedelta(minutes=min(rng.lognormvariate(math.log(240), 1.2), 70 * 60)))
                life.score = "good" if rng.random() < life.p else "bad"  # type: ignore[operator]
                if rng.random() < 0.4:
                    bank = X.RATING_GOOD if life.score == "good" else X.RATING_BAD
                    life.rating_comment = rng.choice(bank[lang])
                if life.score == "bad" and rng.random() < 0.55:
                    if life.parts["cliff"] or life.parts["slow_reply"]:
                        life.rating_reason = X.BAD_REASONS["slow"]
                    elif life.reopens:
                        life.rating_reason = X.BAD_REASONS["unresolved"]
                    elif agent["quality"] < -0.3:
                        life.rating_reason = X.BAD_REASONS["attitude"]
                    else:
                        life.rating_reason = X.BAD_REASONS["other"]
                ev = {"id": self._eid(), "type": "SatisfactionRating", "score": life.score,
                      "assignee_id": agent["id"], "body": life.rating_comment or ""}
                life.audits.append(_Audit(life.given, life.requester["id"], [ev], "web", None, self._eid()))
        closed = last_solve + CLOSE_AFTER
        events = []
        self._status(life, closed, "closed", events)
        self._add(life, closed, ZENDESK, events, via="rule")
        return life

    # -- the truth --

    def _sla(self, life: _Life) -> tuple[list[tuple[datetime, str, float | None]], float]:
        """The requester-wait clock: its changes (time, "activate"/"pause"/"fulfill"/"target", target minutes),
        and how late the last solve was against the deadline then in force (minutes; ≤ 0 on time).

        At one moment a status change comes before a new target (an agent who raises the priority and
        solves in one update solved under the old target), as the importer replays them."""
        marks: list[tuple[datetime, int, str, str]] = [(at, 0, "status", st) for at, st in life.statuses[1:]]
        marks += [(at, 1, "priority", pr) for at, pr in life.priorities[1:]]
        marks.sort(key=lambda m: (m[0], m[1]))
        out: list[tuple[datetime, str, float | None]] = []
        target = self.s.sla_hours[life.priorities[0][1]] * 60
        out.append((life.created, "target", target))
        out.append((life.created, "activate", target))
        running, since, used, judged_by = True, life.created, 0.0, target
        for at, _, kind, value in marks:
            if kind == "priority":
                target = self.s.sla_hours[value] * 60
                out.append((at, "target", target))
                continue
            runs = value in ("new", "open", "hold")
            if running and not runs and value != "closed":
                used += _minutes(since, at)
                out.append((at, "fulfill" if value == "solved" else "pause", target))
                running, judged_by = False, target
            elif not running and runs:
                since, running = at, True
                out.append((at, "activate", target))
            elif not running and value == "solved":  # solved from pending: the stopped clock is fulfilled
                out.append((at, "fulfill", target))
        return out, used - judged_by

    def _truth(self, life: _Life) -> None:
        s = self.s
        frt = _minutes(life.created, life.first_reply) if life.first_reply else math.inf
        resolution_h = _minutes(life.created, life.solves[-1]) / 60
        slow = 0.0
        if life.channel in s.fast_channels and frt > SLOW_FAST_MINUTES:
            slow = SLOW_FAST
        if life.priority == "urgent" and frt > SLOW_URGENT_MINUTES:
            slow = min(slow, SLOW_URGENT)
        if life.due_at is not None:
            late_min = _minutes(life.due_at, life.solves[-1])
        else:
            late_min = self._sla(life)[1]
        late = 0.0 if late_min <= 0 else LATE + (VERY_LATE if late_min > VERY_LATE_HOURS * 60 else 0.0)
        weekday = life.created.astimezone(self.tz).weekday()
        parts = {
            "base": s.base,
            "channel": s.channel_effect[life.channel],
            "weekday": s.weekday_effect[weekday],
            "topic": s.topic_effect[life.topic],
            "language": s.language_effect[life.lang],
            "mood": MOOD_EFFECT[life.mood],
            "agent": life.assignee["quality"] if life.assignee else 0.0,
            "customer": life.requester["generosity"],
            "slow_reply": slow,
            "cliff": CLIFF if resolution_h > CLIFF_HOURS else 0.0,
            "late": late,
            "reopens": REOPEN * life.reopens,
            "transfers": TRANSFER * life.transfers,
            "urgent": URGENT if life.priority == "urgent" else 0.0,
        }
        life.parts = parts
        life.p = _sigmoid(sum(parts.values()))
        life.p_seen = _sigmoid(sum(parts.values()) - parts["agent"] - parts["customer"])

    def spam(self, tid: int, created: datetime) -> _Life:
        """A spam ticket someone deleted: the incremental export still lists it, status deleted."""
        cust = self._customer()
        life = _Life(tid, created, cust, "email", "spam", cust["lang"], "calm", "question", "normal",
                     self.rng.choice(["Gewinnspiel: Sie haben gewonnen!!!", "Exclusive offer just for you",
                                      "Ihr Paket wartet auf Zustellung"]),
                     "Klicken Sie hier, um Ihren Preis abzuholen.", "")
        life.statuses.append((created, "deleted"))
        life.priorities.append((created, "normal"))
        life.deleted = True
        return life


# ---- writing the export ------------------------------------------------------------------


class _Writer:
    """What the API would have returned at the export's end, for one desk."""

    def __init__(self, desk: _Desk, lives: list[_Life], root: Path) -> None:
        self.d = desk
        self.s = desk.s
        self.lives = lives
        self.root = root
        self.end = desk.end
        self.base = f"https://{self.s.name}.zendesk.com/api/v2"
        self.metric_event = 70_000_001

    def url(self, kind: str, id_: int) -> str:
        return f"{self.base}/{kind}/{id_}.json"

    def pages(self, stem: str, items: list[dict], size: int = 100) -> None:
        """Cursor pages as the list endpoints return them: `stem.json`, `stem-2.json`, …"""
        chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        link = f"{self.base}/{stem}.json?page[size]={size}"
        for n, chunk in enumerate(chunks, 1):
            more = n < len(chunks)
            body = {stem: chunk,
                    "meta": {"has_more": more, "after_cursor": f"a{n}" if more else None,
                             "before_cursor": f"b{n}" if n > 1 else None},
                    "links": {"next": f"{link}&page[after]=a{n}" if more else None,
                              "prev": f"{link}&page[before]=b{n}" if n > 1 else None}}
            _dump(self.root / (f"{stem}.json" if n == 1 else f"{stem}-{n}.json"), body)

    def write(self) -> dict:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "audits").mkdir(exist_ok=True)
        stats = {"path": str(self.root), "tickets": 0, "deleted": 0, "open": 0, "solved": 0, "offered": 0,
                 "rated": 0, "good": 0, "bad": 0}
        truth: dict[str, dict] = {}
        tickets, metrics, ratings, metric_events = [], [], [], []
        for life in self.lives:
            stats["tickets"] += 1
            if life.deleted:
                stats["deleted"] += 1
                tickets.append(self.ticket(life, [], None))
                truth[str(life.id)] = {"p": None, "p_seen": None, "created_at": _iso(life.created), "status": "deleted",
                                       "rating": None}
                continue
            audits = [a for a in life.audits if a.at <= self.end]
            status = next((a.status for a in reversed(audits) if a.status), "new")
            done = status in ("solved", "closed")
            stats["solved" if done else "open"] += 1
            word = self.rating_word(life)
            if word in ("offered", "good", "bad"):
                stats["offered"] += 1
            if word in ("good", "bad"):
                stats["rated"] += 1
                stats[word] += 1
            tickets.append(self.ticket(life, audits, word))
            self.audit_file(life, audits)
            metrics.append(self.metrics(life, audits, status))
            metric_events += self.sla_events(life)
            if self.s.rating_file and word in ("offered", "good", "bad"):
                ratings.append(self.rating_item(life, word))
            known = done and life.p is not None
            truth[str(life.id)] = {"p": round(life.p, 6) if known else None,  # type: ignore[arg-type]
                                   "p_seen": round(life.p_seen, 6) if known else None,  # type: ignore[arg-type]
                                   "created_at": _iso(life.created), "status": status,
                                   "rating": word if word in ("good", "bad") else None}
        users = [self.user(a, agent=True) for a in self.d.agents] + [self.user(c) for c in self.d.customers]
        self.pages("users", users)
        self.pages("groups", [self.group(g) for g in self.s.groups])
        if self.s.incremental:
            self.incremental(tickets)
        else:
            self.pages("tickets", tickets)
        self.pages("ticket_metrics", metrics)
        self.metric_events(metric_events)
        if self.s.rating_file:
            self.pages("satisfaction_ratings", ratings)
        return {"stats": stats, "truth": truth}

    # -- tickets --

    def rating_word(self, life: _Life) -> str:
        if life.deleted or life.sent is None or life.sent > self.end:
            return "unoffered"
        if life.given is None or life.given > self.end:
            return "offered"
        return life.score  # type: ignore[return-value]

    def ticket(self, life: _Life, audits: list[_Audit], word: str | None) -> dict:
        updated = max([life.created, *(a.at for a in audits)])
        status = "deleted" if life.deleted else next((a.status for a in reversed(audits) if a.status), "new")
        assignee = group = None
        priority = life.priorities[0][1]
        for a in audits:
            for e in a.events:
                if e.get("type") in ("Create", "Change"):
                    if e["field_name"] == "assignee_id":
                        assignee = int(e["value"]) if e["value"] is not None else None
                    elif e["field_name"] == "group_id":
                        group = int(e["value"])
                    elif e["field_name"] == "priority":
                        priority = e["value"]
        rating: dict = {"score": "unoffered"}
        if word == "offered":
            rating = {"score": "offered"}  # Zendesk's shape of a survey sent and not answered
            if self.s.rating_file:
                rating = {"id": life.rating_id, "score": "offered", "comment": None}
        elif word in ("good", "bad"):
            rating = {"id": life.rating_id, "score": word, "comment": life.rating_comment}
            if word == "bad" and life.rating_reason:
                rating["reason"], rating["reason_id"] = life.rating_reason
        via: dict = {"channel": life.channel, "source": {"from": {}, "to": {}, "rel": None}}
        if life.channel == "voice":
            via["source"] = {"from": {"phone": life.requester["phone"], "name": life.requester["name"]},
                             "to": {"phone": "+351210000000"}, "rel": "inbound"}
        elif life.channel == "whatsapp":
            via["source"] = {"from": {"phone": life.requester["phone"]}, "to": {}, "rel": "whatsapp"}
        tags = [life.topic] + (["no_csat"] if life.no_survey else []) + ([life.lang] if not life.deleted else [])
        return {
            "url": self.url("tickets", life.id), "id": life.id, "external_id": None, "via": via,
            "created_at": _iso(life.created), "updated_at": _iso(updated),
            "generated_timestamp": int(updated.timestamp()),
            "type": None if life.deleted else life.ttype, "subject": life.subject, "raw_subject": life.subject,
            "description": life.description, "priority": None if life.deleted else priority, "status": status,
            "recipient": f"support@{self.s.name}.example", "requester_id": life.requester["id"],
            "submitter_id": life.assignee["id"] if life.channel == "voice" and life.assignee else life.requester["id"],
            "assignee_id": assignee, "organization_id": None, "group_id": group, "collaborator_ids": [],
            "follower_ids": [], "email_cc_ids": [], "forum_topic_id": None, "problem_id": None, "has_incidents": False,
            "is_public": life.channel != "voice", "due_at": _iso(life.due_at), "tags": tags, "custom_fields": [],
            "satisfaction_rating": rating, "sharing_agreement_ids": [], "custom_status_id": None, "fields": [],
            "followup_ids": [], "ticket_form_id": 360_000_300_001, "brand_id": 360_000_200_001,
            "allow_channelback": life.channel in ("whatsapp", "chat"), "allow_attachments": True,
            "from_messaging_channel": life.channel in ("whatsapp", "chat", "mobile_sdk"),
        }

    def incremental(self, tickets: list[dict]) -> None:
        """GET /api/v2/incremental/tickets/cursor.json: pages of 1,000 in update order, `end_of_stream` on the last."""
        ordered = sorted(tickets, key=lambda t: (t["generated_timestamp"], t["id"]))
        chunks = [ordered[i : i + 1000] for i in range(0, len(ordered), 1000)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            last = n == len(chunks)
            cursor = f"MTY{n:06d}"
            body = {"tickets": chunk, "after_url": f"{self.base}/incremental/tickets/cursor.json?cursor={cursor}",
                    "after_cursor": cursor, "before_url": None, "before_cursor": None, "end_of_stream": last}
            _dump(self.root / ("tickets.json" if n == 1 else f"tickets-{n}.json"), body)

    def audit_file(self, life: _Life, audits: list[_Audit]) -> None:
        items = []
        for a in audits:
            aid = a.id
            events = [({**e, "audit_id": aid} if e.get("type") in ("Comment", "VoiceComment") else e) for e in a.events]
            items.append({"id": aid, "ticket_id": life.id, "created_at": _iso(a.at), "author_id": a.author,
                          "metadata": {"system": {"client": "Mozilla/5.0", "ip_address": "198.51.100.7"},
                                       "custom": {}},
                          "via": {"channel": a.via, "source": {"from": {}, "to": {}, "rel": None}},
                          "events": events})
        _dump(self.root / "audits" / f"{life.id}.json",
              {"audits": items, "next_page": None, "previous_page": None, "count": len(items)})

    def rating_item(self, life: _Life, word: str) -> dict:
        given = life.given if word in ("good", "bad") else life.sent
        item = {"url": self.url("satisfaction_ratings", life.rating_id), "id": life.rating_id,  # type: ignore[arg-type]
                "assignee_id": life.assignee["id"] if life.assignee else None,
                "group_id": self.d.group_ids.get(life.group), "requester_id": life.requester["id"],
                "ticket_id": life.id, "score": word, "created_at": _iso(life.sent), "updated_at": _iso(given),
                "comment": life.rating_comment if word in ("good", "bad") else None}
        if word == "bad" and life.rating_reason:
            item["reason"], item["reason_id"] = life.rating_reason
        return item

    # -- metrics --

    def metrics(self, life: _Life, audits: list[_Audit], status: str) -> dict:
        d = self.d
        statuses = [(at, st) for at, st in life.statuses if at <= self.end]
        solves = [t for t in life.solves if t <= self.end]
        done = status in ("solved", "closed")
        spans: dict[str, list[tuple[datetime, datetime]]] = {}
        end_of_wait = solves[-1] if done and solves else self.end
        for (a, st), nxt in zip(statuses, [*statuses[1:], (self.end, "")]):
            b = min(nxt[0], end_of_wait)
            if b > a:
                spans.setdefault(st, []).append((a, b))

        def both(pairs: list[tuple[datetime, datetime]]) -> dict:
            return {"calendar": int(sum(_minutes(a, b) for a, b in pairs)),
                    "business": sum(d._work_minutes(a, b) for a, b in pairs)}

        unknown: dict = {"calendar": None, "business": None}  # Zendesk sets them when the ticket is solved

        def since(at: datetime | None) -> dict:
            return unknown if at is None else both([(life.created, at)])

        first_reply = life.first_reply if life.first_reply and life.first_reply <= self.end else None
        replies = sum(1 for a in audits for e in a.events
                      if e.get("type") == "Comment" and e["public"] and a.author != life.requester["id"]
                      and e["author_id"] != life.requester["id"])
        reopens = sum(1 for (_, a), (_, b) in zip(statuses, statuses[1:]) if a == "solved" and b == "open")
        wait = [p for st in ("new", "open", "hold") for p in spans.get(st, [])]
        mid = 45_000_000 + life.id
        updated = max([life.created, *(a.at for a in audits)])
        return {
            "url": self.url("ticket_metrics", mid), "id": mid, "ticket_id": life.id,
            "created_at": _iso(life.created), "updated_at": _iso(updated),
            "group_stations": len({g for g in life.groups_seen}) if first_reply else 1,
            "assignee_stations": len(set(life.assignees_seen)) if life.assignees_seen and first_reply else 0,
            "reopens": reopens, "replies": replies,
            "assignee_updated_at": _iso(first_reply), "requester_updated_at": _iso(updated),
            "status_updated_at": _iso(statuses[-1][0]), "initially_assigned_at": _iso(first_reply),
            "assigned_at": _iso(first_reply), "solved_at": _iso(solves[-1]) if done and solves else None,
            "latest_comment_added_at": _iso(updated),
            "reply_time_in_minutes": since(first_reply),
            "first_resolution_time_in_minutes": since(solves[0] if done and solves else None),
            "full_resolution_time_in_minutes": since(solves[-1] if done and solves else None),
            "agent_wait_time_in_minutes": both(spans.get("pending", [])) if done else unknown,
            "requester_wait_time_in_minutes": both(wait) if done else unknown,
            "on_hold_time_in_minutes": both(spans.get("hold", [])) if done else unknown,
        }

    def sla_events(self, life: _Life) -> list[dict]:
        """The ticket's SLA metric events: a reply-time target, and the requester-wait target replayed
        with its clock (breaches that happened, and the scheduled ones withdrawn when the clock stopped)."""
        out: list[dict] = []
        policy = {"id": 360_000_400_001 + list(self.s.sla_hours).index(life.priorities[0][1]),
                  "title": f"{life.priorities[0][1].capitalize()} priority", "description": ""}

        def ev(at: datetime, metric: str, kind: str, **more) -> None:
            if at <= self.end:
                out.append({"id": self.metric_event, "ticket_id": life.id, "metric": metric, "instance_id": 1,
                            "type": kind, "time": _iso(at), **more})
            self.metric_event += 1

        reply_target = {"urgent": 30, "high": 60, "normal": 240, "low": 480}[life.priorities[0][1]]
        ev(life.created, "reply_time", "apply_sla",
           sla={"target": reply_target, "target_in_seconds": reply_target * 60, "business_hours": False,
                "policy": policy})
        ev(life.created, "reply_time", "activate")
        if life.first_reply:
            ev(life.first_reply, "reply_time", "fulfill")
        changes, _ = self.d._sla(life)
        used = 0.0
        since: datetime | None = None
        breached = False
        target = 0.0
        for at, kind, tgt in changes:
            if kind == "target":
                target = tgt  # type: ignore[assignment]
                ev(at, "requester_wait_time", "apply_sla",
                   sla={"target": int(target), "target_in_seconds": int(target) * 60, "business_hours": False,
                        "policy": policy})
                continue
            if kind == "activate":
                since = at
                ev(at, "requester_wait_time", "activate")
                continue
            if since is None:  # fulfilled while it stood (solved from pending)
                ev(at, "requester_wait_time", kind)
                ev(at, "requester_wait_time", "update_status", status={"calendar": int(used), "business": int(used)})
                continue
            # the clock stops: did the deadline in force pass while it ran?
            deadline = since + timedelta(minutes=target - used)
            if not breached and since <= deadline <= at:
                ev(deadline, "requester_wait_time", "breach")
                breached = True
            elif not breached and deadline > at:
                ev(deadline if deadline <= self.end else at, "requester_wait_time", "breach", deleted=True)
            used += _minutes(since, at)
            since = None
            ev(at, "requester_wait_time", kind)
            if kind == "fulfill":
                ev(at, "requester_wait_time", "update_status",
                   status={"calendar": int(used), "business": int(used)})
        if since is not None and not breached:  # still running at the export's end
            deadline = since + timedelta(minutes=target - used)
            if deadline <= self.end:
                ev(deadline, "requester_wait_time", "breach")
        return out

    def metric_events(self, events: list[dict]) -> None:
        """GET /api/v2/incremental/ticket_metric_events: time-ordered pages of up to 1,000."""
        events.sort(key=lambda e: (e["time"], e["id"]))
        chunks = [events[i : i + 1000] for i in range(0, len(events), 1000)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            last = n == len(chunks)
            end_time = int(datetime.fromisoformat(chunk[-1]["time"].replace("Z", "+00:00")).timestamp()) if chunk else 0
            body = {"ticket_metric_events": chunk,
                    "next_page": None if last else
                    f"{self.base}/incremental/ticket_metric_events.json?start_time={end_time}",
                    "count": len(chunk), "end_time": end_time}
            _dump(self.root / ("ticket_metric_events.json" if n == 1 else f"ticket_metric_events-{n}.json"), body)

    # -- users and groups --

    def user(self, u: dict, *, agent: bool = False) -> dict:
        role = "admin" if u.get("admin") else ("agent" if agent else "end-user")
        return {
            "id": u["id"], "url": self.url("users", u["id"]), "name": u["name"], "email": u["email"],
            "created_at": "2025-01-06T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z",
            "time_zone": self.s.timezone, "iana_time_zone": self.s.timezone, "phone": u.get("phone"),
            "locale": X.LOCALES[u["lang"]], "locale_id": None, "organization_id": None, "role": role,
            "role_type": None if not agent else 0, "verified": True, "active": True, "suspended": False,
            "default_group_id": self.d.group_ids[u["group"]] if agent else None, "tags": [], "user_fields": {},
            "moderator": agent, "only_private_comments": False, "restricted_agent": False, "shared": False,
            "ticket_restriction": None if agent else "requested", "signature": "", "details": "", "notes": "",
        }

    def group(self, name: str) -> dict:
        gid = self.d.group_ids[name]
        return {"id": gid, "url": self.url("groups", gid), "name": name, "description": "", "default": False,
                "is_public": True, "deleted": False, "created_at": "2025-01-06T08:00:00Z",
                "updated_at": "2025-01-06T08:00:00Z"}


# ---- the world ---------------------------------------------------------------------------


def write_world(
    directory: Path,
    *,
    seed: int = 11,
    tickets: int = 6000,
    accounts: Sequence[str] = DEFAULT_ACCOUNTS,
    end: date = date(2026, 11, 30),
) -> dict:
    """Write the world into `directory` and say what is in it.

    `tickets` are shared evenly among `accounts` (names of SPECS). The export ends at
    `end` 18:00 UTC. Returns {"accounts": {name: counts and path}, "truth": path,
    "settings": path, "commands": [argv of each `cxpulse` import, without --db], ...}.
    """
    unknown = [a for a in accounts if a not in SPECS]
    if unknown or not accounts:
        raise ValueError(f"unknown account(s) {unknown}; choose among {', '.join(SPECS)}")
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    export_end = datetime(end.year, end.month, end.day, 18, 0, tzinfo=UTC)
    share = [tickets // len(accounts) + (1 if i < tickets % len(accounts) else 0) for i in range(len(accounts))]
    summary: dict = {"seed": seed, "end": _iso(export_end), "accounts": {}, "commands": []}
    truth: dict = {"seed": seed, "end": _iso(export_end), "model": _model_description(accounts), "accounts": {}}
    settings = []
    for name, n in zip(accounts, share):
        spec = SPECS[name]
        desk = _Desk(spec, seed, n, export_end)
        lives = []
        for tid, created in enumerate(desk._created_times(), 1):
            if spec.incremental and desk.rng.random() < 0.005:
                lives.append(desk.spam(tid, created))
            else:
                lives.append(desk.life(tid, created))
        written = _Writer(desk, lives, root / name).write()
        summary["accounts"][name] = written["stats"]
        truth["accounts"][name] = written["truth"]
        lo, hi = spec.work_hours
        settings.append({"type": "account", "name": name, "timezone": spec.timezone, "csat_scale": "binary",
                         "business_hours": {"start": f"{lo:02d}:00", "end": f"{hi:02d}:00",
                                            "weekdays": sorted(spec.work_days)}})
        summary["commands"].append(["import", "zendesk", str(root / name), "--account", name])
    with (root / "settings.jsonl").open("w", encoding="utf-8") as fh:
        for line in settings:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    summary["commands"].insert(0, ["import", "jsonl", str(root / "settings.jsonl")])
    _dump(root / "truth.json", truth)
    summary["truth"] = str(root / "truth.json")
    summary["settings"] = str(root / "settings.jsonl")
    return summary


def _model_description(accounts: Sequence[str]) -> dict:
    """The coefficients, as truth.json states them (the module docstring says them in words)."""
    return {
        "logit": "base + channel + weekday + topic + language + mood + agent + customer + slow_reply + cliff + late"
                 " + reopens + transfers + urgent",
        "mood": MOOD_EFFECT, "mood_shown_in_text": MOOD_SHOWN,
        "slow_reply": {"fast_channels_over_minutes": SLOW_FAST_MINUTES, "fast_channels": SLOW_FAST,
                       "urgent_over_minutes": SLOW_URGENT_MINUTES, "urgent": SLOW_URGENT, "combine": "min"},
        "cliff": {"resolution_over_hours": CLIFF_HOURS, "effect": CLIFF},
        "late": {"past_due": LATE, "more_than_hours": VERY_LATE_HOURS, "extra": VERY_LATE},
        "reopen": REOPEN, "transfer": TRANSFER, "urgent": URGENT,
        "agent_quality_sd": AGENT_QUALITY_SD, "customer_generosity_sd": CUSTOMER_SD,
        "accounts": {
            a: {"base": SPECS[a].base, "channel": SPECS[a].channel_effect,
                "weekday_mon_to_sun": list(SPECS[a].weekday_effect), "topic": SPECS[a].topic_effect,
                "language": SPECS[a].language_effect, "fast_channels": sorted(SPECS[a].fast_channels),
                "sla_hours": SPECS[a].sla_hours, "answer_rate": SPECS[a].answer_rate}
            for a in accounts
        },
    }


def ceiling_auc(truth: dict, account: str, test_share: float = 0.2, *, key: str = "p") -> tuple[float, int]:
    """AUC of the true P(good) on the newest `test_share` of rated tickets (by creation, then id as
    text — the order `cxpulse evaluate` splits in), and how many tickets that is.

    key="p_seen": the probability without the agent's and the customer's hidden traits — drawn
    apart from everything else, so it ranks tickets as well as anything that sees only the
    tickets can (a model still learns some of those traits from earlier ratings)."""
    from sklearn.metrics import roc_auc_score

    rows = [(t["created_at"], tid, t[key], t["rating"] == "good")
            for tid, t in truth["accounts"][account].items() if t["rating"] in ("good", "bad")]
    rows.sort(key=lambda r: (r[0], r[1]))
    n_test = max(1, round(len(rows) * test_share))
    test = rows[-n_test:]
    return float(roc_auc_score([r[3] for r in test], [r[2] for r in test])), n_test


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--tickets", type=int, default=6000)
    ap.add_argument("--accounts", default=",".join(DEFAULT_ACCOUNTS))
    args = ap.parse_args(argv)
    summary = write_world(args.directory, seed=args.seed, tickets=args.tickets, accounts=args.accounts.split(","))
    truth = json.loads(Path(summary["truth"]).read_text(encoding="utf-8"))
    for name, s in summary["accounts"].items():
        auc, n = ceiling_auc(truth, name)
        seen, _ = ceiling_auc(truth, name, key="p_seen")
        print(f"{name}: {s['tickets']} tickets, {s['open']} open, {s['rated']} rated ({s['good']} good), "
              f"ceiling AUC {auc:.3f} (without the hidden traits {seen:.3f}) on the newest {n}")
    for argv_ in summary["commands"]:
        print("cxpulse " + " ".join(argv_) + " --db DB")


if __name__ == "__main__":
    main()
