"""Every worked example in a metric's docstring runs; the public names stay in step."""

import doctest
import importlib
from types import ModuleType

import pytest

import cxpulse.metrics

MODULES = ["stats", "csat", "nps", "ces", "csi", "summary", "compare", "reviews"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_worked_examples_hold(name):
    module = importlib.import_module(f"cxpulse.metrics.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


def test_exported_members_are_exactly_the_public_api():
    namespace = vars(cxpulse.metrics).items()
    exported = {n for n, v in namespace if not n.startswith("_") and not isinstance(v, ModuleType)}
    assert exported == set(cxpulse.metrics.__all__)
