"""The `cxpulse` command: thin commands that parse, call one service function, render."""

from cxpulse.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
