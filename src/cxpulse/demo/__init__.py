"""A realistic, reproducible demo help desk: three accounts, a year of tickets, ratings.

`generate(seed)` yields the data as ingest `Record`s, `generate_reviews(seed)` the accounts'
public reviews; `cxpulse.service.demo.run_demo`
stores them and builds the derived tables.
"""

from cxpulse.demo.generate import generate
from cxpulse.demo.profiles import DEMO_END, PROFILES, Profile
from cxpulse.demo.reviews import generate_reviews

__all__ = ["DEMO_END", "PROFILES", "Profile", "generate", "generate_reviews"]
