"""The surveys package stays pure: importing it pulls in no storage, service or edge."""

from __future__ import annotations

import subprocess
import sys

import cxpulse.surveys as surveys


def test_imports_point_inward():
    code = (
        "import sys, cxpulse.surveys\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[:2] in "
        "(['cxpulse','storage'], ['cxpulse','service'], ['cxpulse','web'], ['cxpulse','cli']))\n"
        "assert not bad, bad\n"
        "assert 'sqlalchemy' not in sys.modules and 'smtplib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names_exist():
    for name in surveys.__all__:
        assert hasattr(surveys, name), name
