"""The `cxpulse` command: thin commands that parse, call one service function, render."""

from cxpulse.cli.app import app
from cxpulse.cli.leave import from_console


def main() -> None:
    from_console()
    app()


__all__ = ["app", "main"]
