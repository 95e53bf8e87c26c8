"""The CLI's one error wrapper: a domain error becomes a message and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer
from rich.console import Console

from cxpulse.domain import CxpulseError, FormatError, NotFound, StorageUnavailable

err = Console(stderr=True, highlight=False)

EXIT_CODES = {FormatError: 3, NotFound: 4, StorageUnavailable: 5}


def handle_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CxpulseError as e:
            err.print(f"[bold red]error:[/] {e}", markup=True, soft_wrap=True)
            raise typer.Exit(EXIT_CODES.get(type(e), 2)) from None

    return wrapper
