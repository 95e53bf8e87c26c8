"""The three demo accounts (`PROFILES`) and the constants that tune every account's traffic.

A `Profile` gives an account's settings (timezone, business hours, CSAT scale) and the
character of its traffic: languages, groups and categories, channels, hour-of-day,
weekday and seasonal curves, growth, and how satisfied its customers are on the whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from cxpulse.demo.clock import HOUR, MINUTE
from cxpulse.domain import Account, BusinessHours, Scale

DEMO_END = date(2026, 10, 31)

LIVE = ("chat", "phone")
TONE = {-1: "happy", 0: "neutral", 1: "annoyed", 2: "angry"}
CSI_ATTRIBUTES = ("speed", "competence", "politeness", "convenience", "empathy", "efficiency")
CSI_IMPORTANCE = {"speed": 4.4, "competence": 4.6, "politeness": 3.6, "convenience": 3.3, "empathy": 3.1, "efficiency": 4.1}

# How a category colours the customer's first message (added to their temper).
IRRITATION = {
    "complaint": 0.9, "refund": 0.5, "billing": 0.45, "delivery": 0.35, "bug": 0.3, "login": 0.25,
    "cancellation": 0.15, "booking": 0.2, "account": -0.1, "how-to": -0.3,
}
# Rounds of agent replies a category needs (before the agent's skill shortens them).
ROUNDS = {
    "how-to": (1, 2), "login": (1, 2), "account": (1, 2), "booking": (1, 2), "cancellation": (1, 2),
    "billing": (1, 3), "delivery": (1, 3), "refund": (1, 3), "complaint": (2, 3), "bug": (2, 4),
}
# Escalated and put on hold (waiting on developers, a courier, a hotel…).
HOLD = {"bug": 0.32, "refund": 0.12, "delivery": 0.12, "complaint": 0.12, "booking": 0.1}
# Routed to the wrong group first, then transferred.
MISROUTE = {"complaint": 0.1, "account": 0.09, "billing": 0.08, "how-to": 0.07}
CHANNEL_EFFECT = {"chat": 0.35, "phone": 0.3, "email": 0.0, "web": -0.1}
FIRST_HANDLE = {"email": 25 * MINUTE, "web": 30 * MINUTE}  # business time to answer, once picked
NEXT_REPLY = {"email": 2 * HOUR, "web": 2.5 * HOUR, "chat": 1.5 * HOUR, "phone": 1.5 * HOUR}
PRIORITY_WAIT = {"urgent": 0.1, "high": 0.45, "normal": 1.0, "low": 1.4}
RHO = 0.55  # average utilisation of the email queue; seasons push it towards 1
LONG_HAUL = 0.06  # tickets that stay on hold for months


@dataclass(frozen=True)
class Profile:
    """One demo account: its settings and the character of its traffic."""

    name: str
    prefix: str  # of every source id: NL-100001, NL-A101, NL-C10001
    timezone: str
    hours: BusinessHours
    scale: Scale
    share: float  # of all tickets
    languages: tuple[tuple[str, float], ...]  # customers' languages and weights
    team_language: str
    agents: int
    groups: tuple[tuple[str, tuple[str, ...]], ...]  # group and the categories routed to it
    categories: tuple[tuple[str, float], ...]
    channels: tuple[tuple[str, float], ...]
    chat_all_day: bool
    hour_curve: tuple[float, ...]  # 24 weights, local time
    weekday_curve: tuple[float, ...]  # Monday first
    season: tuple[float, ...]  # January first
    growth: float  # volume change over the year
    target_csat: float  # mean P(satisfied) over solved tickets
    drift: float  # amplitude of the yearly wave of satisfaction (logit)
    drift_phase: float
    trend: float  # change of satisfaction over the year (logit)
    auto_assign: bool  # assigned at creation (round robin) rather than when picked up
    close_after_days: float | None  # solved → closed automatically
    autosolve_days: float  # pending without an answer → solved
    order_prefix: str
    domain: str

    def account(self) -> Account:
        return Account(name=self.name, timezone=self.timezone, business_hours=self.hours, csat_scale=self.scale)


OFFICE_HOURS = (0.08, 0.05, 0.04, 0.04, 0.05, 0.1, 0.3, 0.7, 1.2, 1.6, 1.7, 1.6, 1.3, 1.4, 1.5, 1.4, 1.2, 1.0, 0.8, 0.7, 0.6, 0.5, 0.3, 0.15)
TRAVEL_HOURS = (0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.3, 1.4, 1.4, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2, 1.3, 1.4, 1.4, 1.2, 0.9, 0.6)
WORKWEEK = (1.3, 1.15, 1.1, 1.05, 0.95, 0.45, 0.4)

PROFILES: tuple[Profile, ...] = (
    Profile(
        name="nordlicht",
        prefix="NL",
        timezone="Europe/Vilnius",
        hours=BusinessHours(start=time(8, 0), end=time(17, 0), weekdays=(0, 1, 2, 3, 4)),
        scale=Scale.FIVE,
        share=0.5,
        languages=(("lt", 0.7), ("en", 0.3)),
        team_language="lt",
        agents=12,
        groups=(
            ("Shipping", ("delivery",)),
            ("Billing", ("refund", "billing")),
            ("Technical", ("bug", "login")),
            ("Customer Care", ("how-to", "account", "complaint")),
        ),
        categories=(
            ("delivery", 0.26), ("refund", 0.15), ("billing", 0.11), ("how-to", 0.14),
            ("login", 0.1), ("bug", 0.12), ("account", 0.06), ("complaint", 0.06),
        ),
        channels=(("email", 0.45), ("chat", 0.25), ("web", 0.2), ("phone", 0.1)),
        chat_all_day=False,
        hour_curve=OFFICE_HOURS,
        weekday_curve=WORKWEEK,
        season=(1.2, 0.9, 0.9, 0.9, 0.95, 0.9, 0.85, 0.9, 1.0, 1.05, 1.45, 1.55),
        growth=0.1,
        target_csat=0.85,
        drift=0.25,
        drift_phase=0.0,
        trend=0.0,
        auto_assign=False,
        close_after_days=None,
        autosolve_days=21.0,
        order_prefix="#4",
        domain="nordlicht.example",
    ),
    Profile(
        name="aegean-travel",
        prefix="AT",
        timezone="Europe/Athens",
        hours=BusinessHours(start=time(9, 0), end=time(21, 0), weekdays=(0, 1, 2, 3, 4, 5, 6)),
        scale=Scale.BINARY,
        share=0.3,
        languages=(("el", 0.6), ("en", 0.4)),
        team_language="el",
        agents=9,
        groups=(
            ("Reservations", ("booking", "how-to")),
            ("Payments", ("billing", "refund")),
            ("Cancellations", ("cancellation",)),
            ("Customer Care", ("complaint", "account")),
        ),
        categories=(
            ("booking", 0.3), ("cancellation", 0.2), ("refund", 0.14), ("billing", 0.1),
            ("how-to", 0.12), ("complaint", 0.08), ("account", 0.06),
        ),
        channels=(("email", 0.4), ("chat", 0.4), ("phone", 0.15), ("web", 0.05)),
        chat_all_day=True,
        hour_curve=TRAVEL_HOURS,
        weekday_curve=(1.1, 1.0, 1.0, 1.0, 1.05, 0.95, 0.9),
        season=(0.8, 0.8, 0.9, 1.1, 1.3, 1.6, 1.9, 1.8, 1.3, 0.9, 0.6, 0.7),
        growth=0.0,
        target_csat=0.79,
        drift=0.2,
        drift_phase=1.5,
        trend=-0.2,
        auto_assign=True,
        close_after_days=4.0,
        autosolve_days=7.0,
        order_prefix="AGT-7",
        domain="aegean-travel.example",
    ),
    Profile(
        name="polar-soft",
        prefix="PS",
        timezone="Europe/Helsinki",
        hours=BusinessHours(start=time(9, 0), end=time(18, 0), weekdays=(0, 1, 2, 3, 4)),
        scale=Scale.FIVE,
        share=0.2,
        languages=(("ru", 0.7), ("en", 0.3)),
        team_language="ru",
        agents=7,
        groups=(
            ("Technical", ("bug", "how-to")),
            ("Billing", ("billing", "refund")),
            ("Accounts", ("login", "account")),
        ),
        categories=(("bug", 0.3), ("how-to", 0.25), ("login", 0.15), ("billing", 0.12), ("refund", 0.08), ("account", 0.1)),
        channels=(("email", 0.5), ("web", 0.3), ("chat", 0.15), ("phone", 0.05)),
        chat_all_day=False,
        hour_curve=OFFICE_HOURS,
        weekday_curve=WORKWEEK,
        season=(1.2, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 1.3, 1.1, 1.0, 0.9),
        growth=0.3,
        target_csat=0.81,
        drift=0.2,
        drift_phase=3.0,
        trend=0.35,
        auto_assign=False,
        close_after_days=None,
        autosolve_days=14.0,
        order_prefix="#PS-",
        domain="polar-soft.example",
    ),
)
