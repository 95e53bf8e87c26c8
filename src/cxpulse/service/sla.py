"""SLA policies of an account: read from TOML or JSON, checked, stored as a new version, shown.

A policy file (docs/sla.md) lists policies in match order, Zendesk's way: each has a
`title`, a filter of conditions (`all` of which must hold, and one of `any` when given)
and targets in minutes. Applying a file stores it as the account's policy set from its
`effective_from` on — by default, an account's first policies from the start of its history
and a change from now; what was measured before keeps the older set, and every ticket's
targets are derived again (`cxpulse rebuild` does the same).

A file with any problem is refused whole, with every problem named by line, field and
fix: half a policy list would put tickets under the wrong policy without anyone knowing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxpulse.domain import FormatError, InvalidQuery
from cxpulse.domain.limits import EARLIEST
from cxpulse.domain.sla import (
    CONDITION_FIELDS,
    OPERATORS,
    TARGET_KINDS,
    Condition,
    Policy,
    PolicySet,
    SlaTarget,
    policy_to_dict,
    set_in_force,
)
from cxpulse.storage import Store
from cxpulse.storage import stale
from cxpulse.storage.sla import save_policy_set

__all__ = ["ApplyResult", "apply_policies", "parse_policies", "policies_document", "policy_rows", "put_policies"]

MAX_MINUTES = 10 * 366 * 24 * 60  # ten years: anything longer is a typo
_TOP_KEYS = ("effective_from", "policy")
_POLICY_KEYS = ("title", "description", "all", "any", "targets")
_CONDITION_KEYS = ("field", "operator", "value")
_HOURS = ("calendar", "business")
_EXAMPLE_TARGET = 'first_reply = { minutes = 60, hours = "business" }'


@dataclass
class ApplyResult:
    account: str
    effective_from: datetime
    policies: int
    changed: bool  # False: the same set was already stored from that time
    tickets: int = 0  # tickets whose targets were derived again
    notes: list[str] = field(default_factory=list)


class _Problems:
    """Every problem of a file, each with the line it is on (when the text shows it)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.found: list[tuple[int | None, str, str]] = []
        self._headers = [i + 1 for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*policy\s*\]\]", line)]

    def line_of(self, index: int | None, key: str | None = None) -> int | None:
        """The line of policy `index`'s header (None: the file's top), or of `key = …` in it."""
        if index is None:
            start, end = 1, (self._headers[0] - 1 if self._headers else len(self.lines))
        elif index < len(self._headers):
            start = self._headers[index]
            end = self._headers[index + 1] - 1 if index + 1 < len(self._headers) else len(self.lines)
        else:
            return None
        if key is None:
            return start
        pattern = re.compile(rf"^\s*(\[\[?\s*policy\.)?\"?{re.escape(key)}\"?\s*(=|\]|\.)")
        for n in range(start, end + 1):
            if pattern.search(self.lines[n - 1]):
                return n
        return start

    def add(self, line: int | None, where: str, reason: str, fix: str) -> None:
        self.found.append((line, f"{where}: {reason}" if where else reason, fix))

    def raise_any(self) -> None:
        if not self.found:
            return
        (line, reason, fix), *rest = self.found
        more = "".join(
            f"\n{self.path}:{ln}: {r} — {f}" if ln else f"\n{self.path}: {r} — {f}" for ln, r, f in rest
        )
        raise FormatError(self.path, reason + (" — " + fix if fix else "") + more, line=line)


def parse_policies(text: str, *, path: str = "policies.toml", now: datetime | None = None) -> PolicySet:
    """A TOML policy file → a PolicySet, or FormatError naming each problem (line, field, fix).
    Without `effective_from` the set holds from `now` (default: the clock)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise FormatError(path, f"not valid TOML: {e}", line=int(m.group(1)) if m else None,
                          fix="see docs/sla.md for the format and an example") from None
    return policies_from_data(data, path=path, text=text, now=now)


def policies_from_data(data: Any, *, path: str, text: str = "", now: datetime | None = None) -> PolicySet:
    """The checked policy set of a parsed file or API body: {effective_from?, policy: [...]}."""
    p = _Problems(path, text)
    if not isinstance(data, dict):
        p.add(None, "", "expected an object with `policy`, a list of policies", "see docs/sla.md")
        p.raise_any()
    for key in data:
        if key not in _TOP_KEYS:
            p.add(p.line_of(None, key), key, "unknown setting", f"use {' or '.join(_TOP_KEYS)} at the top")
    effective = _effective_from(data.get("effective_from"), p, now)
    raw = data.get("policy", [])
    policies: list[Policy] = []
    if not isinstance(raw, list):
        p.add(p.line_of(None, "policy"), "policy", "expected a list of policies", "write each as [[policy]]")
        raw = []
    titles: dict[str, int] = {}
    for i, item in enumerate(raw):
        pol = _policy(i, item, p)
        if pol is None:
            continue
        key = pol.title.lower()
        if key in titles:
            p.add(p.line_of(i, "title"), f"policy {i + 1} title", f"{pol.title!r} is also policy {titles[key] + 1}'s",
                  "give each policy its own title")
        titles.setdefault(key, i)
        policies.append(pol)
    p.raise_any()
    return PolicySet(effective, tuple(policies))


def _effective_from(v: Any, p: _Problems, now: datetime | None) -> datetime:
    fallback = now or datetime.now(UTC)
    if v is None:
        return fallback.replace(microsecond=0)
    at = v
    if isinstance(v, str):
        try:
            at = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            at = None
    if not isinstance(at, datetime) or at.tzinfo is None:
        p.add(p.line_of(None, "effective_from"), "effective_from", f"{v!r} is not a time with a timezone",
              "write e.g. effective_from = 2026-03-01T00:00:00Z (or leave it out: an account's first policies "
              "measure all its tickets, a change holds from now on)")
        return fallback
    return at.astimezone(UTC)


def _policy(i: int, item: Any, p: _Problems) -> Policy | None:
    where = f"policy {i + 1}"
    line = p.line_of(i)
    if not isinstance(item, dict):
        p.add(line, where, "expected a table", "write each policy as [[policy]] with title = … and [policy.targets]")
        return None
    for key in item:
        if key not in _POLICY_KEYS:
            p.add(p.line_of(i, key), f"{where}.{key}", "unknown field", f"use {', '.join(_POLICY_KEYS)}")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        p.add(p.line_of(i, "title") if "title" in item else line, f"{where}.title", "missing or empty",
              'name the policy, e.g. title = "Urgent tickets"')
        title = ""
    elif len(title) > 200:
        p.add(p.line_of(i, "title"), f"{where}.title", "longer than 200 characters", "shorten it")
    else:
        where = f"policy {i + 1} ({title.strip()})"
    description = item.get("description", "")
    if not isinstance(description, str):
        p.add(p.line_of(i, "description"), f"{where}.description", "expected text", 'write description = "…"')
        description = ""
    conds = {name: _conditions(i, where, name, item.get(name, []), p) for name in ("all", "any")}
    targets = _targets(i, where, item.get("targets"), p)
    return Policy(title.strip(), conds["all"], conds["any"], targets, description)


def _conditions(i: int, where: str, name: str, raw: Any, p: _Problems) -> tuple[Condition, ...]:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        p.add(p.line_of(i, name), f"{where}.{name}", "expected a list of conditions",
              f'write {name} = [{{ field = "priority", operator = "is", value = "urgent" }}]')
        return ()
    out = []
    for j, c in enumerate(raw):
        at = f"{where}.{name}[{j + 1}]"
        line = p.line_of(i, name)
        if not isinstance(c, dict):
            p.add(line, at, "expected { field, operator, value }", 'e.g. { field = "channel", operator = "is", value = "chat" }')
            continue
        for key in c:
            if key not in _CONDITION_KEYS:
                p.add(line, f"{at}.{key}", "unknown key", "a condition has field, operator and value")
        fld = c.get("field")
        if fld not in CONDITION_FIELDS:
            p.add(line, f"{at}.field", f"{fld!r} is not a field policies match on", f"use one of {', '.join(CONDITION_FIELDS)}")
            continue
        allowed = OPERATORS[fld]
        op = c.get("operator", allowed[0])
        if op not in allowed:
            p.add(line, f"{at}.operator", f"{op!r} does not apply to {fld}", f"use {' or '.join(allowed)}")
            continue
        value = c.get("value")
        if fld == "tags" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if not isinstance(value, str) or not value.strip():
            p.add(line, f"{at}.value", "missing or empty", f'give the {fld} to compare with, e.g. value = "urgent"')
            continue
        out.append(Condition(fld, op, value.strip()))
    return tuple(out)


def _targets(i: int, where: str, raw: Any, p: _Problems) -> tuple[SlaTarget, ...]:
    line = p.line_of(i, "targets")
    if raw is None or raw == {}:
        p.add(p.line_of(i), f"{where}.targets", "no targets: the policy would measure nothing",
              f"add [policy.targets] with e.g. {_EXAMPLE_TARGET}")
        return ()
    if not isinstance(raw, dict):
        p.add(line, f"{where}.targets", "expected a table of targets", f"e.g. {_EXAMPLE_TARGET}")
        return ()
    out = []
    for kind, spec in raw.items():
        at = f"{where}.targets.{kind}"
        kline = p.line_of(i, kind) or line
        if kind not in TARGET_KINDS:
            p.add(kline, at, "not a target kind", f"use {', '.join(TARGET_KINDS)}")
            continue
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"minutes": spec}
        if not isinstance(spec, dict):
            p.add(kline, at, "expected minutes, or { minutes, hours }", f"e.g. {_EXAMPLE_TARGET}")
            continue
        for key in spec:
            if key not in ("minutes", "hours"):
                p.add(kline, f"{at}.{key}", "unknown key", 'a target has minutes and hours ("calendar" or "business")')
        minutes = spec.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 < minutes <= MAX_MINUTES:
            p.add(kline, f"{at}.minutes", f"{minutes!r} is not a number of minutes above 0 (up to ten years)",
                  "e.g. minutes = 240 for four hours")
            continue
        hours = spec.get("hours", "calendar")
        if hours not in _HOURS:
            p.add(kline, f"{at}.hours", f"{hours!r} is neither calendar nor business",
                  'write hours = "business" to count the account\'s business hours only, or leave it out')
            continue
        out.append(SlaTarget(kind, float(minutes), hours == "business"))
    return tuple(sorted(out, key=lambda t: TARGET_KINDS.index(t.kind)))


# ---- the use cases -------------------------------------------------------------------------


def default_from(acc, now: datetime | None = None) -> datetime:
    """When policies given without an effective_from start: an account's first policies
    measure its whole history (from EARLIEST, the oldest time stored); later ones, being a
    change, hold from now on."""
    return EARLIEST if not acc.account.sla else (now or datetime.now(UTC))


def apply_policies(store: Store, account: str, text: str, *, path: str = "policies.toml",
                   now: datetime | None = None, derive: bool = True) -> ApplyResult:
    """Check a TOML policy file and store it as the account's policies from its effective_from
    (default: `default_from`). `derive=False` leaves the account marked stale, for a caller
    that rebuilds it anyway."""
    acc = store.account(account)
    return _store(store, acc, parse_policies(text, path=path, now=default_from(acc, now)), derive=derive)


def put_policies(store: Store, account: str, body: Any, *, now: datetime | None = None) -> ApplyResult:
    """The API's write: a JSON body shaped like the TOML file (or like `policies_document`'s
    `policies`, with `filter.all/any`), checked the same way."""
    acc = store.account(account)
    if isinstance(body, dict) and "policies" in body and "policy" not in body:
        body = {**{k: v for k, v in body.items() if k != "policies"},
                "policy": [_flatten(p) for p in body["policies"]] if isinstance(body["policies"], list) else body["policies"]}
    try:
        ps = policies_from_data(body, path="request body", now=default_from(acc, now))
    except FormatError as e:
        raise InvalidQuery(str(e).removeprefix("request body: ")) from None
    return _store(store, acc, ps)


def _flatten(p: Any) -> Any:
    """A policy in the API's read shape (`filter: {all, any}`) as the file writes it."""
    if isinstance(p, dict) and isinstance(p.get("filter"), dict):
        return {**{k: v for k, v in p.items() if k != "filter"}, **p["filter"]}
    return p


def _store(store: Store, acc, ps: PolicySet, *, derive: bool = True) -> ApplyResult:
    from cxpulse.service.derive import derive_stale

    result = ApplyResult(acc.name, ps.effective_from, len(ps.policies), changed=False)
    if acc.account.business_hours is None and any(t.business_hours for p in ps.policies for t in p.targets):
        result.notes.append(f"account {acc.name} sets no business hours: business-hours targets count calendar "
                            f"minutes until it does (`cxpulse settings {acc.name} --business-hours \"mon-fri 09:00-17:00\"`)")
    held = set_in_force(acc.account.sla, ps.effective_from)
    if held is not None and held.policies == ps.policies:  # the same policies hold then already: a repeat
        result.effective_from = held.effective_from
        return result
    with store.engine.begin() as conn:
        result.changed = save_policy_set(conn, acc.id, ps)
        if result.changed:
            stale.mark_account(conn, acc.id)  # every ticket's targets, in the same transaction
    if result.changed and derive:
        done = derive_stale(store, [acc.name])
        result.tickets = len(done[acc.name].tickets) if acc.name in done else 0
        if acc.name in done and not done[acc.name].tickets:
            result.tickets = _ticket_count(store, acc.id)
    return result


def _ticket_count(store: Store, account_id: int) -> int:
    from cxpulse.storage.accounts import raw_row_counts

    with store.engine.connect() as conn:
        return raw_row_counts(conn)["tickets"].get(account_id, 0)


def policies_document(store: Store, account: str) -> dict:
    """What the API answers: the policies in force now, and every version with its time."""
    acc = store.account(account)
    now = datetime.now(UTC)
    sets = acc.account.sla
    current = None
    for s in sets:
        if s.effective_from <= now:
            current = s
    return {
        "account": acc.name,
        "effective_from": current.effective_from.isoformat() if current else None,
        "policies": [policy_to_dict(p) for p in current.policies] if current else [],
        "versions": [{"effective_from": s.effective_from.isoformat(), "policies": [policy_to_dict(p) for p in s.policies]}
                     for s in sets],
    }


def policy_rows(store: Store, account: str) -> list[dict]:
    """One row per policy of each version, for `cxpulse sla show` and the dashboard:
    position, title, the filter in words and each target."""
    acc = store.account(account)
    rows = []
    for s in acc.account.sla:
        for pos, pol in enumerate(s.policies, 1):
            row = {"effective_from": s.effective_from.isoformat(timespec="minutes"), "position": pos,
                   "title": pol.title, "matches": filter_words(pol)}
            for kind in TARGET_KINDS:
                t = pol.target(kind)
                row[kind] = target_words(t) if t else ""
            rows.append(row)
    return rows


def filter_words(pol: Policy) -> str:
    """"priority is urgent and (channel is chat or channel is phone)"; "every ticket"."""
    def said(c: Condition) -> str:
        op = c.operator.replace("_", " ")
        return f"{c.field} {op} {c.value}"

    parts = [said(c) for c in pol.all]
    if pol.any:
        anyp = " or ".join(said(c) for c in pol.any)
        parts.append(f"({anyp})" if len(pol.any) > 1 and parts else anyp)
    return " and ".join(parts) if parts else "every ticket"


def target_words(t: SlaTarget) -> str:
    from cxpulse.durations import duration

    return f"{duration(t.minutes)}{' business' if t.business_hours else ''}"


def read_policy_file(path: Path) -> str:
    """The file's text, or FormatError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(str(path), "no such file", fix="give the path of a TOML policy file (docs/sla.md)") from None
    except UnicodeDecodeError:
        raise FormatError(str(path), "not UTF-8 text", fix="save the file as UTF-8") from None
