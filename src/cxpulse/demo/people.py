"""The people of a demo account: its agents and its customers, drawn from an account's stream."""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

from cxpulse.demo.clock import DAY, YEAR
from cxpulse.demo.profiles import Profile
from cxpulse.demo.texts import NAMES, ascii_name


@dataclass(slots=True)
class Agent:
    id: str
    first: str
    name: str
    female: bool
    email: str
    language: str
    groups: tuple[str, ...]
    skill: float  # 0..1: fewer rounds, fewer reopens, happier customers
    speed: float  # multiplier on handling times; below 1 is faster
    polite: float  # 0..1
    active_from: float
    active_to: float
    ramp_from: float | None = None  # a new hire learns over four months

    def skill_at(self, ts: float) -> float:
        if self.ramp_from is None:
            return self.skill
        months = max(0.0, ts - self.ramp_from) / (30 * DAY)
        return min(self.skill, 0.35 + 0.1 * months)


@dataclass(slots=True)
class Customer:
    id: str
    first: str
    name: str
    female: bool
    email: str
    language: str
    temper: float  # > 0: quick to anger
    bias: float  # leaning of their ratings (logit)
    loyalty: float  # leaning of their NPS answers
    patience: float  # multiplier on how long they wait before asking again
    tickets: int = 0


def _person(rng: Random, lang: str, female: bool) -> tuple[str, str]:
    names = NAMES[lang]
    first = rng.choice(names["female" if female else "male"])
    last = rng.choice(names["surname"])[1 if female else 0]
    return first, last


def make_agents(p: Profile, rng: Random, *, group_names: list[str], start_ts: float) -> list[Agent]:
    """The account's team: each agent in one group (some in two), with a skill, a speed and
    a manner; one leaves after seven months and a new hire starts after five."""
    agents: list[Agent] = []
    for i in range(p.agents):
        lang = p.team_language if rng.random() < 0.8 else "en"
        female = rng.random() < 0.6
        first, last = _person(rng, lang, female)
        groups = [group_names[i % len(group_names)]]
        if rng.random() < 0.35:
            other = rng.choice(group_names)
            if other not in groups:
                groups.append(other)
        agents.append(
            Agent(
                id=f"{p.prefix}-A{101 + i}",
                first=first,
                name=f"{first} {last}",
                female=female,
                email=f"{ascii_name(first)}.{ascii_name(last)}@{p.domain}",
                language=lang,
                groups=tuple(groups),
                skill=min(0.95, max(0.25, rng.gauss(0.65, 0.15))),
                speed=math.exp(rng.gauss(0.0, 0.3)),
                polite=rng.random(),
                active_from=start_ts - 30 * DAY,
                active_to=math.inf,
            )
        )
    # people come and go: one leaves after seven months, a new hire starts after five
    agents[-2].active_to = start_ts + 0.6 * YEAR
    hire = agents[-1]
    hire.active_from = hire.ramp_from = start_ts + 0.42 * YEAR
    return agents


def make_customers(p: Profile, rng: Random, *, count: int) -> list[Customer]:
    """`count` customers in the account's languages, each with a temper and leanings."""
    langs = [lang for lang, _ in p.languages]
    weights = [w for _, w in p.languages]
    out = []
    for j in range(count):
        lang = rng.choices(langs, weights)[0]
        female = rng.random() < 0.5
        first, last = _person(rng, lang, female)
        temper = rng.gauss(0.0, 0.6)
        out.append(
            Customer(
                id=f"{p.prefix}-C{10001 + j}",
                first=first,
                name=f"{first} {last}",
                female=female,
                email=f"{ascii_name(first)}.{ascii_name(last)}{rng.randint(1, 99)}@{lang}.mail.example",
                language=lang,
                temper=temper,
                bias=rng.gauss(0.0, 0.45) - 0.3 * temper,
                loyalty=rng.gauss(0.0, 0.8),
                patience=math.exp(rng.gauss(0.0, 0.35) - 0.3 * temper),
            )
        )
    return out
