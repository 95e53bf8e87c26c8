"""How satisfied a demo ticket's customer is, and the surveys that ask them.

Satisfaction is a logistic function of the first reply, resolution time, reopens,
reassignments, transfers, the agent's skill, the customer's tone and the channel, plus a
yearly drift and noise; the account's base logit is fitted so that the mean P(satisfied)
of solved tickets hits the profile's target. Every solved ticket gets a CSAT invitation;
CES, NPS and CSI surveys go to samples of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from random import Random

from cxpulse.demo.clock import DAY, HOUR, MINUTE, YEAR, dt
from cxpulse.demo.life import Life
from cxpulse.demo.profiles import CHANNEL_EFFECT, CSI_ATTRIBUTES, CSI_IMPORTANCE, Profile
from cxpulse.demo.texts import BAD_REASONS, TEXTS, gendered
from cxpulse.domain import Invitation, Response, ResponseKind, Scale
from cxpulse.readers.base import Record


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _clamp(v: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(v)))


class Ratings:
    """The satisfaction model of one account, and its survey invitations and responses.

    It draws from the account's random stream, so the order of calls is part of the
    output: `satisfaction_logit` as each solved ticket's life ends, `surveys` as each
    ticket is written out.
    """

    def __init__(self, p: Profile, rng: Random, *, start_ts: float, end_ts: float) -> None:
        self.p = p
        self.rng = rng
        self.start_ts, self.end_ts = start_ts, end_ts

    # -- satisfaction --

    def base(self, lives: list[Life]) -> float:
        """The account's base logit, so the mean P(satisfied) of solved tickets hits its target."""
        xs = [life.x for life in lives if life.solved_at is not None]
        if not xs:
            return 0.0
        lo, hi = -15.0, 15.0
        for _ in range(40):
            mid = (lo + hi) / 2
            if sum(_sigmoid(mid + x) for x in xs) / len(xs) < self.p.target_csat:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def _drift(self, ts: float) -> float:
        p = self.p
        f = (ts - self.start_ts) / YEAR
        return p.drift * math.sin(2 * math.pi * f + p.drift_phase) + p.trend * (f - 0.5)

    def satisfaction_logit(self, life: Life) -> float:
        """The solved ticket's satisfaction logit without the account's base (`Life.x`)."""
        fr_h = ((life.first_reply or life.solved_at) - life.created) / HOUR
        res_h = (life.solved_at - life.created) / HOUR
        skill = life.agent.skill_at(life.created)
        return (
            life.customer.bias
            - 0.55 * math.log1p(fr_h)
            - 0.35 * math.log1p(res_h / 8)
            - 1.1 * life.reopens
            - 0.35 * life.reassigns
            - 0.6 * life.transfers
            - 0.45 * max(life.tone, 0)
            + (0.35 if life.tone < 0 else 0.0)
            - 0.2 * life.followups
            + 1.8 * (skill - 0.6)
            + 0.3 * (life.agent.polite - 0.5)
            + CHANNEL_EFFECT[life.channel]
            - (0.3 if life.autosolved else 0.0)
            - 0.25 * math.log1p(life.hold_seconds / DAY)
            + self._drift(life.created)
            + self.rng.gauss(0.0, 0.5)
        )

    def _bad_reason(self, life: Life) -> str:
        fr_h = ((life.first_reply or life.created) - life.created) / HOUR
        if life.reopens:
            return "unresolved"
        if fr_h > 24 or life.followups or (life.solved_at - life.created) > 5 * DAY:
            return "slow"
        if life.transfers or life.reassigns:
            return "transfer"
        return "general"

    # -- surveys --

    def surveys(self, life: Life, base: float) -> Iterator[Record]:
        """Invitations, then responses, of a ticket solved by the end day."""
        p, rng, end = self.p, self.rng, self.end_ts
        name, sid, cust = p.name, life.sid, life.customer
        texts = TEXTS[cust.language]
        prob = _sigmoid(base + life.x)
        satisfied = rng.random() < prob
        res_h = (life.solved_at - life.created) / HOUR

        def invite(kind: ResponseKind, after: float) -> float | None:
            sent = life.solved_at + after + rng.uniform(0, 10 * MINUTE)
            if sent > end:
                return None
            out.append(Record("invitation", Invitation(f"{sid}-inv-{kind.value}", dt(sent), kind, sid, cust.id), account=name))
            return sent

        def answer_at(sent: float, rate: float) -> float | None:
            if rng.random() >= rate:
                return None
            given = sent + min(10 * DAY, rng.lognormvariate(math.log(2.5 * HOUR), 1.3))
            return given if given <= end else None

        out: list[Record] = []
        # CSAT: offered on every solved ticket; the unhappy answer a little more often
        sent = invite(ResponseKind.CSAT, HOUR)
        if sent is not None:
            given = answer_at(sent, 0.34 + 0.12 * (1.0 - prob) + (0.05 if life.channel == "chat" else 0.0))
            if given is not None:
                out.append(self._csat(life, satisfied, given, texts))
        # CES: effort grows with every extra message, reopen and hand-over
        if (
            rng.random() < 0.25
            and (sent := invite(ResponseKind.CES, 2 * HOUR)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            effort = (
                0.35 * (life.customer_messages - 1) + 0.9 * life.reopens + 0.7 * life.transfers
                + 0.3 * life.reassigns + 0.25 * math.log1p(res_h / 24) + 0.3 * life.followups
            )
            score = _clamp(6.2 - effort + (0.4 if satisfied else -0.4) + rng.gauss(0.0, 0.9), 1, 7)
            out.append(self._response(life, "ces", ResponseKind.CES, Scale.SEVEN, score, given))
        # NPS: loyalty follows this experience and the customer's own leaning
        if (
            rng.random() < 0.2
            and (sent := invite(ResponseKind.NPS, DAY)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            score = _clamp(7.0 + 1.8 * (prob - 0.5) * 2 + (0.6 if satisfied else -1.2) + cust.loyalty + rng.gauss(0.0, 1.3), 0, 10)
            comment = ""
            if rng.random() < 0.2:
                comment = self._rating_comment(life, score >= 7, texts)
            out.append(self._response(life, "nps", ResponseKind.NPS, Scale.ELEVEN, score, given, comment=comment))
        # CSI: six attributes, each with its satisfaction and its importance
        if (
            rng.random() < 0.125
            and (sent := invite(ResponseKind.CSI, DAY)) is not None
            and (given := answer_at(sent, 0.4)) is not None
        ):
            fr_h = (life.first_reply - life.created) / HOUR
            skill = life.agent.skill_at(life.created)
            polite = life.agent.polite
            mood = 0.4 if satisfied else -0.4
            raw = {
                "speed": 4.6 - 0.45 * math.log1p(fr_h) - 0.25 * math.log1p(res_h / 24),
                "competence": 3.0 + 2.0 * skill - 0.6 * life.reopens,
                "politeness": 4.0 + 0.8 * (polite - 0.5) - (0.3 if life.tone >= 2 else 0.0),
                "convenience": 4.0 + (0.4 if life.channel == "chat" else 0.0) - 0.15 * life.customer_messages,
                "empathy": 3.6 + 0.8 * (polite - 0.5) - (0.4 if life.tone >= 1 else 0.0),
                "efficiency": 4.3 - 0.5 * life.reassigns - 0.7 * life.transfers - 0.2 * (life.rounds - 1),
            }
            for attr in CSI_ATTRIBUTES:
                score = _clamp(raw[attr] + mood + rng.gauss(0.0, 0.7), 1, 5)
                importance = _clamp(CSI_IMPORTANCE[attr] + rng.gauss(0.0, 0.7), 1, 5)
                out.append(
                    self._response(life, f"csi-{attr}", ResponseKind.CSI, Scale.FIVE, score, given, attribute=attr, importance=importance)
                )
        invitations = [r for r in out if r.kind == "invitation"]
        responses = [r for r in out if r.kind == "response"]
        yield from invitations
        yield from responses

    def _csat(self, life: Life, satisfied: bool, given: float, texts: dict) -> Record:
        rng = self.rng
        binary = self.p.scale is Scale.BINARY
        if binary:
            score = 1 if satisfied else 0
        elif satisfied:
            score = 5 if rng.random() < 0.7 else 4
        else:
            score = rng.choices((1, 2, 3), (0.35, 0.3, 0.35))[0]
        comment = reason = ""
        if rng.random() < (0.22 if satisfied else 0.55):
            comment = self._rating_comment(life, satisfied, texts)
        if binary and not satisfied and rng.random() < 0.7:
            reason = BAD_REASONS[self._bad_reason(life)]
        return self._response(life, "csat", ResponseKind.CSAT, self.p.scale, score, given, comment=comment, reason=reason)

    def _rating_comment(self, life: Life, good: bool, texts: dict) -> str:
        bank = texts["rating_good"] if good else texts["rating_bad"][self._bad_reason(life)]
        return gendered(self.rng.choice(bank), life.customer.female)

    def _response(
        self, life: Life, suffix: str, kind: ResponseKind, scale: Scale, score: int, given: float, **extra
    ) -> Record:
        return Record(
            "response",
            Response(
                source_id=f"{life.sid}-{suffix}",
                given_at=dt(given),
                kind=kind,
                scale=scale,
                score=score,
                ticket_id=life.sid,
                customer_id=life.customer.id,
                agent_id=life.agent.id,
                channel=life.channel,
                **extra,
            ),
            account=self.p.name,
        )
