"""A realistic, reproducible help desk to try cxpulse on: `generate(seed)`.

Three accounts of different character (`PROFILES`) share about 20,000 tickets over the
twelve months that end on a fixed day, so the same seed always gives the same data and
nothing depends on the clock. Each account is simulated on its own random stream:

- arrivals follow hour-of-day and weekday curves in the account's timezone, a seasonal
  bump and a trend; chat and phone are live only in their hours, otherwise the customer
  writes an email or a web form instead;
- email and web tickets wait in a queue measured in business time: the backlog when a
  ticket arrives delays its first reply, so Monday mornings and busy seasons are slower;
  agents write only inside business hours, customers any time but rarely at night;
- a ticket lives through rounds of agent replies and customer answers (pending → open),
  escalations on hold, reassignments, group transfers, priority bumps, private notes,
  "any update?" follow-ups when the customer waits past their patience, and reopens;
- texts are in the customer's language (English, Russian, Greek, Lithuanian) and their
  tone follows the customer's temper, the category and the waiting;
- every solved ticket gets a CSAT invitation; satisfaction is a logistic function of the
  first reply, resolution time, reopens, reassignments, transfers, the agent's skill, the
  customer's tone and the channel, plus noise — learnable but not trivially. CES, NPS
  and CSI surveys go to samples of solved tickets.

Lives run past the end day; everything after it is cut, so recent tickets are still open.
Only `random.Random` is used; the stream is a pure function of (seed, tickets, end).

The package, by concept: `profiles` (the accounts and tuning constants), `clock`
(business time), `people` (agents, customers), `queues` (waiting for a first reply),
`life` (one ticket's events), `ratings` (satisfaction and surveys), `simulate` (one
account's year, on its own random stream) and `texts` (phrase banks).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from cxpulse.demo.profiles import DEMO_END, PROFILES
from cxpulse.demo.simulate import AccountSim
from cxpulse.readers.base import Record

__all__ = ["generate"]


def generate(seed: int = 7, *, tickets: int = 20_000, end: date = DEMO_END) -> Iterator[Record]:
    """Yield the demo help desk as Records, each naming its account.

    First one `account` record per account, then per account its users (agents and the
    customers who wrote) and, ticket by ticket, the ticket, its events, invitations and
    responses. `tickets` is split 50/30/20 over the accounts; the year ends on `end`.
    """
    if tickets < len(PROFILES):
        raise ValueError(f"tickets must be at least {len(PROFILES)}, got {tickets}")
    sizes = _split(tickets, [p.share for p in PROFILES])
    for p in PROFILES:
        yield Record("account", p.account(), account=p.name)
    for p, n in zip(PROFILES, sizes):
        yield from AccountSim(p, n, seed, end).records()


def _split(total: int, shares: Sequence[float]) -> list[int]:
    sizes = [max(1, int(total * s)) for s in shares]
    sizes[0] += total - sum(sizes)
    return sizes
