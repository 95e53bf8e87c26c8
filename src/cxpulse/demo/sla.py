"""The demo accounts' SLA policies, written as the TOML a user would apply (docs/sla.md).

Each account has a set from before its first ticket; nordlicht tightens its chat targets
three months before the demo's end, so the dashboard shows a policy change taking effect
mid-stream (tickets before it keep the old targets)."""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["demo_policy_files"]

_NORDLICHT = """\
effective_from = {start}

[[policy]]
title = "Urgent"
all = [{{ field = "priority", operator = "is", value = "urgent" }}]
[policy.targets]
first_reply = {{ minutes = 60, hours = "business" }}
next_reply = {{ minutes = 120, hours = "business" }}
resolution = {{ minutes = 960, hours = "business" }}
requester_wait = {{ minutes = 480, hours = "business" }}

[[policy]]
title = "Chat and phone"
any = [{{ field = "channel", operator = "is", value = "chat" }}, {{ field = "channel", operator = "is", value = "phone" }}]
[policy.targets]
first_reply = {chat_first}
next_reply = 30
resolution = {{ minutes = 1440, hours = "business" }}

[[policy]]
title = "Shipping"
all = [{{ field = "group", operator = "is", value = "Shipping" }}]
[policy.targets]
first_reply = {{ minutes = 240, hours = "business" }}
next_reply = {{ minutes = 480, hours = "business" }}
resolution = {{ minutes = 2700, hours = "business" }}
requester_wait = {{ minutes = 1440, hours = "business" }}

[[policy]]
title = "Everything else"
[policy.targets]
first_reply = {{ minutes = 480, hours = "business" }}
next_reply = {{ minutes = 480, hours = "business" }}
resolution = {{ minutes = 4320, hours = "business" }}
requester_wait = {{ minutes = 2160, hours = "business" }}
"""

_AEGEAN = """\
effective_from = {start}

[[policy]]
title = "Urgent bookings"
all = [{{ field = "priority", operator = "is", value = "urgent" }}, {{ field = "category", operator = "is", value = "booking" }}]
[policy.targets]
first_reply = 30
resolution = 480

[[policy]]
title = "High and urgent"
any = [{{ field = "priority", operator = "is", value = "high" }}, {{ field = "priority", operator = "is", value = "urgent" }}]
[policy.targets]
first_reply = 120
next_reply = 240
resolution = 1440
requester_wait = 720

[[policy]]
title = "Standard"
[policy.targets]
first_reply = 720
next_reply = 1440
resolution = 4320
requester_wait = 2880
"""

_POLAR = """\
effective_from = {start}

[[policy]]
title = "Login problems"
all = [{{ field = "category", operator = "is", value = "login" }}]
[policy.targets]
first_reply = {{ minutes = 120, hours = "business" }}
resolution = {{ minutes = 960, hours = "business" }}

[[policy]]
title = "Default"
all = [{{ field = "priority", operator = "is_not", value = "low" }}]
[policy.targets]
first_reply = {{ minutes = 480, hours = "business" }}
next_reply = {{ minutes = 960, hours = "business" }}
resolution = {{ minutes = 4800, hours = "business" }}
requester_wait = {{ minutes = 2400, hours = "business" }}
"""


def demo_policy_files(end: date) -> dict[str, list[str]]:
    """Account name → its policy files (TOML), oldest first, for a demo ending on `end`."""
    start = f"{end.year - 2}-01-01T00:00:00Z"  # before the first ticket of the demo's year
    change = (end - timedelta(days=91)).isoformat() + "T00:00:00Z"
    return {
        "nordlicht": [_NORDLICHT.format(start=start, chat_first=60),
                      _NORDLICHT.format(start=change, chat_first=15)],
        "aegean-travel": [_AEGEAN.format(start=start)],
        "polar-soft": [_POLAR.format(start=start)],
    }
