"""Readers per input format → domain records and rejects; `load` stores them."""

from cxpulse.ingest.base import ImportSummary, Record, Reject
from cxpulse.ingest.load import LoadResult, Touched, load

__all__ = ["ImportSummary", "LoadResult", "Record", "Reject", "Touched", "load"]
