"""Options many commands share, declared once (STYLE.md example 10)."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Annotated

import typer

from cxpulse.config import env_name
from cxpulse.storage.engine import DEFAULT_DB


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar=env_name("db"),
        help="SQLite file path, or a postgresql:// URL. Env: CXPULSE_DB.",
        show_default=True,
    ),
]
DB_DEFAULT = DEFAULT_DB

AccountOption = Annotated[
    str | None, typer.Option("--account", "-a", help="Account name (default: all accounts).")
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


class Engine(StrEnum):
    default = "default"  # in this process
    spark = "spark"  # each account in a Spark task (docs/scale.md)


EngineOption = Annotated[
    Engine,
    typer.Option("--engine", help="default (in this process) or spark (each account's step in a Spark task, "
                 "through groupBy().applyInPandas; needs `pip install 'cxpulse[spark]'` and Java 17+: docs/scale.md)."),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option("--spark-master", envvar=env_name("spark_master"), show_default=False,
                 help="With --engine spark: the Spark master, local[N] or a cluster's URL such as "
                 "spark://host:7077 [default: local[2]]. Env: CXPULSE_SPARK_MASTER."),
]


def is_terminal() -> bool:
    return os.isatty(2) and os.environ.get("TERM") != "dumb"
