"""The CLI's one error wrapper: a domain error becomes a message and an exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer

from cxpulse.cli.render import err, error_line
from cxpulse.domain import CxpulseError, FormatError, NotFound, StorageUnavailable

__all__ = ["EXIT_CODES", "err", "handle_errors"]

EXIT_CODES = {FormatError: 3, NotFound: 4, StorageUnavailable: 5}


def handle_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CxpulseError as e:
            error_line(e)  # literal: "[csv] of map.toml" keeps its brackets
            raise typer.Exit(EXIT_CODES.get(type(e), 2)) from None

    return wrapper
