"""Pure metric functions: response counts in, a figure with its n and 95% interval out.

SQL only counts (how many responses had each score); these functions are the one
definition of each figure, shared by the CLI, the API, the dashboard and the tests.
Nothing here rounds: rounding is the edges' business.
"""

from cxpulse.metrics.ces import CesResult, ces
from cxpulse.metrics.compare import Change, compare_csat, compare_means, compare_nps, compare_shares
from cxpulse.metrics.csat import csat, csat_mixed
from cxpulse.metrics.csi import AttributeScore, CsiResult, csi
from cxpulse.metrics.nps import nps
from cxpulse.metrics.reviews import ReviewRating, mean_score, reply_minutes, reply_rate, review_rating
from cxpulse.metrics.stats import Estimate, mean_interval, share, t_quantile, wilson_interval
from cxpulse.metrics.summary import Summary, summarize

__all__ = [
    "AttributeScore",
    "CesResult",
    "Change",
    "CsiResult",
    "Estimate",
    "ReviewRating",
    "Summary",
    "ces",
    "compare_csat",
    "compare_means",
    "compare_nps",
    "compare_shares",
    "csat",
    "csat_mixed",
    "csi",
    "mean_interval",
    "mean_score",
    "nps",
    "reply_minutes",
    "reply_rate",
    "review_rating",
    "share",
    "summarize",
    "t_quantile",
    "wilson_interval",
]
