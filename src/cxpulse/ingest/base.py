"""What every reader yields, and the summary every import prints.

A reader turns a file into a stream of `Record`s (domain objects with their place in the
file) and `Reject`s (a bad row: file, line, field, reason). It never writes; `load` does.
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

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "field": self.field, "reason": self.reason, "raw": self.raw[:2000]}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.reason}"


class RowError(ValueError):
    """A field of one row is bad; the reader turns it into a Reject and goes on."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


Stream = Iterator[Record | Reject]


@dataclass
class KindCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    by_kind: dict[str, KindCounts] = field(default_factory=dict)
    rejects_path: str | None = None
    accounts: list[str] = field(default_factory=list)
    first_rejects: list[Reject] = field(default_factory=list)
    rescored: int = 0  # open tickets scored again because the import changed them

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "by_kind": {k: vars(v) for k, v in self.by_kind.items()},
            "rejects_file": self.rejects_path,
            "accounts": self.accounts,
            "rescored": self.rescored,
        }
