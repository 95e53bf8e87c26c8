"""Every setting is declared once (cxpulse/config.py), documented in docs/configuration.md,
and read from the environment nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cxpulse.config import SETTINGS, Settings, env_name, markdown_table
from cxpulse.storage.engine import DEFAULT_DB

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cxpulse"
DOC = ROOT / "docs" / "configuration.md"
# variables of the system, not settings of cxpulse: the terminal, the XDG cache folder, and
# what Spark's own launcher reads (service/spark.py: where Java is, the workers' interpreter and path)
SYSTEM_VARIABLES = {"TERM", "XDG_CACHE_HOME", "JAVA_HOME", "PYSPARK_PYTHON", "PYTHONPATH"}


def test_the_doc_holds_the_table_generated_from_the_declaration():
    doc = DOC.read_text(encoding="utf-8")
    assert markdown_table() in doc, "docs/configuration.md is stale: paste `python -m cxpulse.config` into it"


def test_the_doc_names_every_setting_and_no_stale_one():
    doc = DOC.read_text(encoding="utf-8")
    table = doc.split("<!-- settings table")[1].split("<!-- end of settings table")[0]
    documented = set(re.findall(r"^\| `(CXPULSE_[A-Z_]+)`", table, re.M))
    assert documented == {s.env for s in SETTINGS}


def test_every_cxpulse_variable_the_code_names_is_a_setting():
    declared = {s.env for s in SETTINGS}
    named = {v for path in SRC.rglob("*.py") for v in re.findall(r"\bCXPULSE_[A-Z_]*[A-Z]\b", path.read_text())}
    named -= {"CXPULSE_SMTP"}  # "CXPULSE_SMTP_HOST, _PORT, …" in help texts
    assert named <= declared, named - declared


def test_only_config_reads_the_environment():
    readers = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                line = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
                readers.append((path.relative_to(SRC).as_posix(), node.lineno, line))
    text = {p: (SRC / p).read_text().splitlines() for p, _, _ in readers}
    outside = [(p, n) for p, n, _ in readers
               if not any(f'"{v}"' in text[p][n - 1] for v in SYSTEM_VARIABLES)]
    assert not outside, f"read a setting through cxpulse.config.Settings instead: {outside}"


def test_settings_come_from_the_environment_given_and_default_when_unset_or_empty():
    s = Settings.from_env({"CXPULSE_BASE_URL": "https://survey.example", "CXPULSE_SMTP_HOST": "",
                           "CXPULSE_WEBHOOKS_ALLOW_PRIVATE": "1"})
    assert s.base_url == "https://survey.example"
    assert s.smtp_host == "localhost" and s.webhooks_allow_private is True
    assert Settings.from_env({"CXPULSE_WEBHOOKS_ALLOW_PRIVATE": "yes"}).webhooks_allow_private is False
    assert Settings.from_env({}) == Settings()
    assert Settings().db == DEFAULT_DB
    assert env_name("rate_limit") == "CXPULSE_RATE_LIMIT"


def test_the_environment_is_read_when_asked_not_at_import(monkeypatch):
    monkeypatch.setenv("CXPULSE_RATE_LIMIT", "7/9")
    assert Settings.from_env().rate_limit == "7/9"
    monkeypatch.delenv("CXPULSE_RATE_LIMIT")
    assert Settings.from_env().rate_limit == "50/100"
