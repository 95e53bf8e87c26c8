"""A realistic, reproducible demo help desk: three accounts, a year of tickets, ratings.

`generate(seed)` yields the data as ingest `Record`s; `cxpulse.service.demo.run_demo`
stores them and builds the derived tables.
"""

from cxpulse.demo.generate import generate
from cxpulse.demo.profiles import DEMO_END, PROFILES, Profile

__all__ = ["DEMO_END", "PROFILES", "Profile", "generate"]
