"""cxpulse — measure, predict and ask for customer satisfaction.

The public Python face (docs/python.md): `open_store` gives a `Pulse` handle to import,
report, train, evaluate and score; the metric functions turn response counts into a
figure with its 95% interval; every error raised on purpose is a `CxpulseError`.

Names load when first used (module `__getattr__`), so `import cxpulse` — which every
`cxpulse` command runs first — stays as cheap as it was.
"""

__version__ = "0.1.0"

# public name → the module that defines it
_WHERE = {
    "open_store": "cxpulse._public",
    "Pulse": "cxpulse._public",
    "CxpulseError": "cxpulse.domain.errors",
    "csat": "cxpulse.metrics.csat",
    "nps": "cxpulse.metrics.nps",
    "ces": "cxpulse.metrics.ces",
    "csi": "cxpulse.metrics.csi",
    "wilson_interval": "cxpulse.metrics.stats",
    "mean_interval": "cxpulse.metrics.stats",
}

__all__ = [
    "CxpulseError",
    "Pulse",
    "ces",
    "csat",
    "csi",
    "mean_interval",
    "nps",
    "open_store",
    "wilson_interval",
]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cxpulse' has no attribute {name!r}")
    value = getattr(__import__(module, fromlist=[name]), name)  # importlib itself would cost ~1 ms more
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
