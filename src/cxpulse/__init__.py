"""cxpulse — measure, predict and ask for customer satisfaction."""

__version__ = "0.1.0"
