"""SLA policies: which tickets a policy covers and the targets it sets (issue 16 §1).

Shaped after Zendesk's SLA policies (developer.zendesk.com, "SLA Policies" and the
"Conditions reference"): a policy has a filter of conditions — `all` of which must hold
and, when `any` is not empty, at least one of `any` — and the policies of an account are
kept in order: the first one whose filter a ticket matches applies, with its targets.
A set of policies is versioned by time: each `PolicySet` holds from its `effective_from`
until the next one, so changing the policies never rewrites what was measured before.

Values: frozen and hashable, so an `Account`'s policies can key a cache like its hours do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "CONDITION_FIELDS",
    "OPERATORS",
    "TARGET_KINDS",
    "Condition",
    "Policy",
    "PolicySet",
    "SlaTarget",
    "policy_for",
    "policy_from_dict",
    "policy_to_dict",
    "set_in_force",
]

# The four targets, in report order (issue 16): a reply to the first message, a reply to
# each later customer message, the resolution, and the requester's total wait.
TARGET_KINDS: tuple[str, ...] = ("first_reply", "next_reply", "resolution", "requester_wait")
# Ticket fields a condition may test; `tags` is a set, the others one value each.
CONDITION_FIELDS: tuple[str, ...] = ("priority", "channel", "group", "category", "tags")
# Zendesk's operators for these fields: `is`/`is_not` on a value, `includes`/`not_includes`
# on tags (a condition on tags names one or more tags, space-separated, as Zendesk does).
OPERATORS: dict[str, tuple[str, ...]] = {
    "priority": ("is", "is_not"),
    "channel": ("is", "is_not"),
    "group": ("is", "is_not"),
    "category": ("is", "is_not"),
    "tags": ("includes", "not_includes"),
}


@dataclass(frozen=True, slots=True)
class Condition:
    field: str  # one of CONDITION_FIELDS
    operator: str  # one of OPERATORS[field]
    value: str  # compared case-insensitively; for tags, space-separated names

    def holds(self, values: dict[str, str], tags: frozenset[str]) -> bool:
        """Whether a ticket with these field values (lower-cased) and tags meets it."""
        if self.field == "tags":
            wanted = set(self.value.lower().split())
            found = bool(wanted & tags)  # Zendesk: "includes" any of the listed tags
            return found if self.operator == "includes" else not found
        equal = values.get(self.field, "") == self.value.strip().lower()
        return equal if self.operator == "is" else not equal


@dataclass(frozen=True, slots=True)
class SlaTarget:
    """One target of a policy: `minutes` of calendar time, or of the account's business hours."""

    kind: str  # one of TARGET_KINDS
    minutes: float
    business_hours: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    title: str
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    targets: tuple[SlaTarget, ...] = ()
    description: str = ""

    def matches(self, values: dict[str, str], tags: frozenset[str]) -> bool:
        """Zendesk's filter: every `all` condition, and one of `any` when there are any.
        A policy with no conditions matches every ticket (a catch-all at the end)."""
        if not all(c.holds(values, tags) for c in self.all):
            return False
        return not self.any or any(c.holds(values, tags) for c in self.any)

    def target(self, kind: str) -> SlaTarget | None:
        for t in self.targets:
            if t.kind == kind:
                return t
        return None


@dataclass(frozen=True, slots=True)
class PolicySet:
    """An account's ordered policies as they stand from `effective_from` (aware UTC) on."""

    effective_from: datetime
    policies: tuple[Policy, ...] = ()


def set_in_force(sets: tuple[PolicySet, ...], at: datetime) -> PolicySet | None:
    """The policy set that holds at `at`: the latest whose effective_from is not after it
    (`sets` sorted by effective_from). None before the first."""
    found = None
    for s in sets:
        if s.effective_from <= at:
            found = s
        else:
            break
    return found


def policy_for(policy_set: PolicySet | None, values: dict[str, str], tags: frozenset[str]) -> Policy | None:
    """The first policy of the set the ticket matches (Zendesk: position order), or None."""
    if policy_set is None:
        return None
    for p in policy_set.policies:
        if p.matches(values, tags):
            return p
    return None


def policy_to_dict(p: Policy) -> dict:
    """The JSON shape of a policy: what the API answers and stores (Zendesk's names:
    `title`, `filter.all` / `filter.any` of {field, operator, value}), targets by kind."""
    return {
        "title": p.title,
        "description": p.description,
        "filter": {
            "all": [{"field": c.field, "operator": c.operator, "value": c.value} for c in p.all],
            "any": [{"field": c.field, "operator": c.operator, "value": c.value} for c in p.any],
        },
        "targets": {
            t.kind: {"minutes": t.minutes, "hours": "business" if t.business_hours else "calendar"}
            for t in p.targets
        },
    }


def policy_from_dict(d: dict) -> Policy:
    """`policy_to_dict` read back (trusted input: the API and TOML validate before this)."""
    flt = d.get("filter") or {}
    return Policy(
        title=d["title"],
        description=d.get("description", ""),
        all=tuple(Condition(c["field"], c["operator"], c["value"]) for c in flt.get("all", ())),
        any=tuple(Condition(c["field"], c["operator"], c["value"]) for c in flt.get("any", ())),
        targets=tuple(sorted(  # in TARGET_KINDS order, however the JSON ordered its keys
            (SlaTarget(kind, float(t["minutes"]), t.get("hours", "calendar") == "business")
             for kind, t in (d.get("targets") or {}).items()),
            key=lambda t: TARGET_KINDS.index(t.kind) if t.kind in TARGET_KINDS else len(TARGET_KINDS),
        )),
    )
