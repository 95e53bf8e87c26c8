"""One error tree for cxpulse. Edges (CLI, API) translate these once.

    CxpulseError
    ├── FormatError      input is not what its format says; nothing was written
    ├── InvalidQuery     a report/score request that cannot be answered as asked
    ├── NotFound         an account, ticket or model that does not exist
    ├── StorageUnavailable  the database cannot be opened or reached
    ├── AmbiguousTicket  a ticket id shared by several accounts, no account given
    ├── SyncError        a help desk API that refused or failed a sync (never holds the token)
    │   └── SyncBusy     the account is being synced by another process right now
    └── SurveyError      a survey definition or an answer that cannot be accepted as given
        └── TokenInvalid a survey link whose signature does not match (tampered, garbled)
            └── TokenExpired  a genuine survey link past its expiry
"""

from functools import partial


class CxpulseError(Exception):
    """Base of every error cxpulse raises on purpose; its message says what to do."""


class FormatError(CxpulseError):
    """The file is not what its format says (encoding, JSON, required columns)."""

    def __init__(self, path: str, reason: str, *, line: int | None = None, fix: str = "") -> None:
        self.path = path
        self.line = line
        self.reason = reason
        self.fix = fix
        where = f"{path}:{line}" if line else path
        msg = f"{where}: {reason}"
        if fix:
            msg += f" — {fix}"
        super().__init__(msg)

    def __reduce__(self):
        # picklable, so a reader running in another process can report it
        return (partial(FormatError, line=self.line, fix=self.fix), (self.path, self.reason))


class InvalidQuery(CxpulseError):
    """A request whose parameters cannot be answered (unknown metric, bad --by key…)."""


class NotFound(CxpulseError):
    """The named account, ticket or model does not exist."""


class AmbiguousTicket(CxpulseError):
    """A source ticket id that several accounts share; the caller must name the account."""


class StorageUnavailable(CxpulseError):
    """The database named by --db cannot be opened (no such folder, server down, bad URL)."""


class SyncError(CxpulseError):
    """A help desk API sync that stopped: credentials refused, or an endpoint failing past its retries."""


class SyncBusy(SyncError):
    """Another process (the server's schedule, a `cxpulse sync`) is syncing that account now."""


class SurveyError(CxpulseError):
    """A survey definition or answer that cannot be accepted (bad kind, scale, reason, comment).

    Given `params`, the message is a %-template of them, kept as `template` and `params`
    so an edge can say it in its user's language (the dashboard's survey form does);
    str(e) is always the English sentence, as the CLI and the API show it:
    SurveyError("%(field)s: %(value)r is listed twice", field="reasons", value="slow")
    reads "reasons: 'slow' is listed twice"."""

    def __init__(self, message: str, /, **params: object) -> None:
        self.template: str | None = message if params else None
        self.params = params
        super().__init__(message % params if params else message)


class TokenInvalid(SurveyError):
    """A survey link's token is tampered with or garbled: nothing is recorded."""


class TokenExpired(TokenInvalid):
    """A survey link's token is genuine but past its expiry: nothing is recorded."""
