"""What a sync has read so far, for a progress bar: both help desks' syncs report it."""

from __future__ import annotations

__all__ = ["SyncProgress"]


class SyncProgress:
    """Pages and tickets read so far, and the stage (tickets, events, ratings…)."""

    __slots__ = ("pages", "stage", "tickets")

    def __init__(self) -> None:
        self.pages, self.tickets, self.stage = 0, 0, ""
