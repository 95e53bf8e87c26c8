"""What every reader yields, and the summary every import prints.

A reader turns a file into a stream of `Record`s (domain objects with their place in the
file), `Reject`s (a bad row or a bad part of one: file, line, field, reason) and `Note`s
(something implausible that still went in). It never writes; `load` does.

A problem in one field or sub-record rejects only that part (DESIGN.md, "Data from
elsewhere"): the reader yields the record without it and a `Reject` with `kept=True`.
Only a row that cannot be stored at all (no id, no creation time) is rejected whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["account", "user", "ticket", "event", "response", "invitation"]
KINDS: tuple[Kind, ...] = ("account", "user", "ticket", "event", "response", "invitation")

# Called with how many bytes of input were consumed so far: drives a progress bar.
Progress = Callable[[int], None]


@dataclass(slots=True)
class Record:  # not frozen: built once per input row (see domain/types.py)
    kind: Kind
    obj: Any
    account: str | None = None  # None: the account given to the import
    path: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Reject:
    path: str
    line: int
    field: str
    reason: str
    raw: str = ""
    kept: bool = False  # True: only this field or sub-record was left out; its row went in

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "field": self.field, "reason": self.reason,
                "kept_row": self.kept, "raw": self.raw[:2000]}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        left_out = " (left out; the row went in without it)" if self.kept else ""
        return f"{where}: {self.field}: {self.reason}{left_out}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something implausible in a row that went in as it was (solved before the first
    reply…): counted by `what` in the summary, the first few shown with their place."""

    path: str
    line: int
    what: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.what}" + (f" ({self.detail})" if self.detail else "")


class RowError(ValueError):
    """A field of one row is bad; the reader turns it into a Reject and goes on."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


Stream = Iterator[Record | Reject | Note]


@dataclass
class KindCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary(KindCounts):
    """The same four counts over every kind, and what only a whole import has."""

    rejected: int = 0  # rows rejected whole
    fields_rejected: int = 0  # fields or sub-records left out of rows that went in
    by_kind: dict[str, KindCounts] = field(default_factory=dict)
    rejects_path: str | None = None
    accounts: list[str] = field(default_factory=list)
    first_rejects: list[Reject] = field(default_factory=list)
    rescored: int = 0  # open tickets scored again because the import changed them
    notes: dict[str, int] = field(default_factory=dict)  # implausible but stored: count per kind
    first_notes: list[Note] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said once per import (a timezone that differs…)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "fields_rejected": self.fields_rejected,
            "by_kind": {k: vars(v) for k, v in self.by_kind.items()},
            "rejects_file": self.rejects_path,
            "accounts": self.accounts,
            "rescored": self.rescored,
            "notes": dict(self.notes),
            "first_notes": [{"file": n.path, "line": n.line, "what": n.what, "detail": n.detail}
                            for n in self.first_notes],
            "warnings": list(self.warnings),
        }
