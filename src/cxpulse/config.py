"""Every setting cxpulse reads from the environment, declared once: `Settings`.

Each field of `Settings` is one setting: its environment variable, its default and one
line of meaning sit in the field's declaration, and its type is the field's. `SETTINGS`
lists them for whoever needs the table (docs/configuration.md is generated from it by
`markdown_table`, and a test keeps the two in step). Nothing else in cxpulse reads
`os.environ` for a setting.

`Settings.from_env()` reads them when it is called, never at import time: `cxpulse serve`
builds one at start-up and keeps it in its `App` (service/context.py); a command reads
them when it runs. Values are taken as written: what each one means in detail (a rate
like `50/100`, a list of proxies) is checked where it is used, and an error there names
the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

__all__ = ["SETTINGS", "Setting", "Settings", "markdown_table"]


def _setting(env: str, default: Any, meaning: str, *, shown: str | None = None) -> Any:
    """A field of `Settings`: its variable, default and meaning (`shown`: the default as
    the docs say it, when the value alone does not tell)."""
    return field(default=default, metadata={"env": env, "meaning": meaning, "shown": shown})


@dataclass(frozen=True)
class Settings:
    """The settings of one cxpulse process. An empty variable counts as unset."""

    db: str = _setting("CXPULSE_DB", "cxpulse.db",
                       "the database: a SQLite file path or a `postgresql://` URL (the CLI's `--db`)")
    secret: str = _setting("CXPULSE_SECRET", "",
                           "signs survey links and dashboard sessions",
                           shown="generated once, kept in the database")
    base_url: str = _setting("CXPULSE_BASE_URL", "",
                             "where customers reach `cxpulse serve` (its `--base-url`), e.g. "
                             "`https://survey.example.com`; survey links are built on it",
                             shown="the address `cxpulse serve` last served on, which it records in the database; "
                                   "before any, `http://127.0.0.1:8000`")
    smtp_host: str = _setting("CXPULSE_SMTP_HOST", "localhost", "the SMTP server survey emails go out through")
    smtp_port: str = _setting("CXPULSE_SMTP_PORT", "", "its port (a number)",
                              shown="25; 587 with `starttls`, 465 with `ssl`")
    smtp_security: str = _setting("CXPULSE_SMTP_SECURITY", "none",
                                  "`none`, `starttls` or `ssl` (certificates are verified)")
    smtp_user: str = _setting("CXPULSE_SMTP_USER", "", "SMTP login, when set", shown="no login")
    smtp_password: str = _setting("CXPULSE_SMTP_PASSWORD", "", "SMTP password for that login", shown="no login")
    smtp_from: str = _setting("CXPULSE_SMTP_FROM", "cxpulse@localhost", "the sender of survey emails")
    smtp_ca_file: str = _setting("CXPULSE_SMTP_CA_FILE", "",
                                 "a CA bundle (PEM) to trust for `starttls`/`ssl`, for a server with a private CA",
                                 shown="the system's CAs")
    rate_limit: str = _setting("CXPULSE_RATE_LIMIT", "50/100",
                               "API requests per second per key: `RATE` or `RATE/BURST`, or `off`")
    trusted_proxies: str = _setting("CXPULSE_TRUSTED_PROXIES", "",
                                    "proxies whose X-Forwarded-For is believed: addresses or networks, "
                                    "comma-separated, or `*` (the server's `--trusted-proxies`)", shown="none")
    webhooks_allow_hosts: str = _setting("CXPULSE_WEBHOOKS_ALLOW_HOSTS", "",
                                         "webhook hosts allowed on private addresses, comma-separated, "
                                         "as written in the URL", shown="none")
    webhooks_allow_private: bool = _setting("CXPULSE_WEBHOOKS_ALLOW_PRIVATE", False,
                                            "`1`: webhooks may post to any address (a test box, never a shared "
                                            "server)", shown="off")
    zendesk_token: str = _setting("CXPULSE_ZENDESK_TOKEN", "",
                                  "the API token `cxpulse connect zendesk` stores when `--token` is not given "
                                  "(keeps it out of shell history)", shown="none")
    freshdesk_token: str = _setting("CXPULSE_FRESHDESK_TOKEN", "",
                                    "the API key `cxpulse connect freshdesk` stores when `--token` is not given",
                                    shown="none")
    zendesk_export_rpm: str = _setting("CXPULSE_ZENDESK_EXPORT_RPM", "10",
                                       "requests per minute `cxpulse sync` makes to Zendesk's incremental exports "
                                       "(Zendesk allows 10; 30 with the High Volume API add-on)")
    spark_master: str = _setting("CXPULSE_SPARK_MASTER", "",
                                 "the Spark master `train`/`score --engine spark` run on (the CLI's `--spark-master`): "
                                 "`local[N]` or a cluster's URL (docs/scale.md)", shown="`local[2]`")
    spark_driver_memory: str = _setting("CXPULSE_SPARK_DRIVER_MEMORY", "4g",
                                        "the heap of the Spark driver `--engine spark` starts (`spark.driver.memory`): "
                                        "an account's inputs travel through it, up to a fifth of it per account "
                                        "(docs/scale.md)")
    sync_every: str = _setting("CXPULSE_SYNC_EVERY", "5",
                               "minutes between the syncs of every connection inside `cxpulse serve` "
                               "(its `--sync-every`; `0` turns them off)")
    cache_dir: str = _setting("CXPULSE_CACHE_DIR", "",
                              "where the unpacked language model is kept",
                              shown="`$XDG_CACHE_HOME/cxpulse`, else `~/.cache/cxpulse`")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings as `environ` (default: this process's environment) gives them now."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            raw = env.get(s.env) or ""
            if raw:
                values[s.name] = raw == "1" if s.type is bool else raw
        return cls(**values)


@dataclass(frozen=True)
class Setting:
    """One row of the table: a field of `Settings` as the docs show it."""

    name: str
    env: str
    type: type
    default: Any
    shown: str  # the default, as the docs say it
    meaning: str


def _table() -> tuple[Setting, ...]:
    types = {"str": str, "bool": bool}
    rows = []
    for f in fields(Settings):
        assert f.default is not MISSING
        kind = types[f.type] if isinstance(f.type, str) else f.type
        shown = f.metadata["shown"] or (f"`{f.default}`" if f.default != "" else "none")
        rows.append(Setting(f.name, f.metadata["env"], kind, f.default, shown, f.metadata["meaning"]))
    return tuple(rows)


SETTINGS: tuple[Setting, ...] = _table()
TYPE_WORDS = {str: "text", bool: "flag"}


def markdown_table() -> str:
    """The table docs/configuration.md holds: one row per setting."""
    lines = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{s.env}` | {TYPE_WORDS[s.type]} | {s.shown} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


def env_name(name: str) -> str:
    """The variable of the setting `name` (a field of Settings), for a CLI option's envvar."""
    return next(s.env for s in SETTINGS if s.name == name)


if __name__ == "__main__":  # python -m cxpulse.config: the table for docs/configuration.md
    print(markdown_table(), end="")
