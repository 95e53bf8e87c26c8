"""Readers per input format → domain records and rejects. They never write: service.load does."""

from cxpulse.ingest.base import ImportSummary, Note, Record, Reject

__all__ = ["ImportSummary", "Note", "Record", "Reject"]
