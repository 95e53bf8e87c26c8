"""The web edge: the survey pages, the API (`cxpulse.api`) and the dashboard on one FastAPI app.

Build it with `create_app(store)`; nothing is created at import time.
"""

from cxpulse.web.app import create_app

__all__ = ["create_app"]
