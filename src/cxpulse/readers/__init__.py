"""Readers per input format → domain records and rejects. They never write: service.load does."""

from cxpulse.readers.base import ImportSummary, Note, Record, Reject

__all__ = ["ImportSummary", "Note", "Record", "Reject"]
