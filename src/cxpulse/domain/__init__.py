"""Plain types every other layer shares: accounts, users, tickets, events, responses, errors."""

from cxpulse.domain.errors import (
    CxpulseError,
    FormatError,
    NotFound,
    AmbiguousTicket,
    StorageUnavailable,
    InvalidQuery,
)
from cxpulse.domain.types import (
    DONE_STATES,
    OPEN_STATES,
    Account,
    BusinessHours,
    EventKind,
    Invitation,
    Response,
    ResponseKind,
    Role,
    Scale,
    Ticket,
    TicketEvent,
    User,
    is_satisfied,
)

__all__ = [
    "Account",
    "AmbiguousTicket",
    "BusinessHours",
    "CxpulseError",
    "DONE_STATES",
    "EventKind",
    "FormatError",
    "InvalidQuery",
    "Invitation",
    "NotFound",
    "OPEN_STATES",
    "Response",
    "ResponseKind",
    "Role",
    "Scale",
    "StorageUnavailable",
    "Ticket",
    "TicketEvent",
    "User",
    "is_satisfied",
]
