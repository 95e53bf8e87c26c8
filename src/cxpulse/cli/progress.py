"""The progress bar long commands show on a terminal (import, rebuild, demo, train, sync)."""

from __future__ import annotations

from collections.abc import Callable

from cxpulse.cli import options
from cxpulse.cli.errors import err

Advance = Callable[..., None]  # advance(done, description=None)


class progress_bar:  # noqa: N801 - used as a function: `with progress_bar(…) as advance`
    """A Rich progress bar on a terminal; silent otherwise, or when `quiet`. Yields an
    `advance(done, description=None)` callable, or None when silent."""

    def __init__(self, label: str, total: int | None, unit: str = "bytes", *, quiet: bool = False) -> None:
        self.label, self.total, self.unit, self.quiet = label, total, unit, quiet
        self.bar = None

    def __enter__(self) -> Advance | None:
        if self.quiet or not options.is_terminal():
            return None
        # here, not at the top: a command without a bar (`score --ticket`) never loads it
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

        cols = [TextColumn("{task.description}", markup=False), BarColumn()]
        cols += [DownloadColumn(), TransferSpeedColumn()] if self.unit == "bytes" else [TextColumn("{task.completed} " + self.unit)]
        self.bar = Progress(*cols, TimeRemainingColumn(), console=err, transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=self.total)

        def advance(done: int, description: str | None = None) -> None:
            self.bar.update(task, completed=done, **({"description": description} if description else {}))

        return advance

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
