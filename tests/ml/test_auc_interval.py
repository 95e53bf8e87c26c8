"""The AUC's 95% interval (DeLong): against a published example, against a seeded bootstrap,
and with a ticket's several snapshots counted as one observation."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from cxpulse.ml import evaluation
from cxpulse.ml.evaluation import auc_interval, better_than_chance, roc_auc, verdict


def test_the_docstring_examples_run():
    assert doctest.testmod(evaluation).failed == 0


def test_hanley_and_mcneil_1982_ct_ratings():
    """Hanley & McNeil (1982), Radiology 143:29, table 1: 58 normal and 51 abnormal CT images
    rated 1–5. Published: area 0.893, standard error 0.032 (their own approximation; DeLong's
    exact components give 0.031)."""
    normal, abnormal = [33, 6, 6, 11, 2], [3, 2, 2, 11, 33]
    y = [0] * sum(normal) + [1] * sum(abnormal)
    p = [rating for counts in (normal, abnormal) for rating, n in enumerate(counts, 1) for _ in range(n)]
    auc, low, high = auc_interval(y, p)
    assert round(auc, 3) == 0.893
    se = (high - low) / (2 * 1.959964)
    assert abs(se - 0.032) < 0.002
    assert low == pytest.approx(auc - 1.959964 * se) and better_than_chance(low, high) is True


def test_the_interval_matches_a_seeded_bootstrap_over_tickets():
    rng = np.random.default_rng(3)
    n = 300
    y = rng.random(n) < 0.7
    p = rng.normal(size=n) + 0.6 * y  # a weak signal: AUC about 0.66
    auc, low, high = auc_interval(y, p)
    boot = []
    for _ in range(2000):
        i = rng.integers(0, n, n)
        boot.append(roc_auc(y[i], p[i]))
    b_low, b_high = np.nanpercentile(boot, [2.5, 97.5])
    assert auc == pytest.approx(roc_auc(y, p))
    assert abs(low - b_low) < 0.015 and abs(high - b_high) < 0.015


def test_a_tickets_snapshots_count_once_not_k_times():
    rng = np.random.default_rng(5)
    n = 120
    y = rng.random(n) < 0.6
    p = rng.normal(size=n) + 0.5 * y
    one = auc_interval(y, p)
    # each ticket seen at 4 moments with the same score, weighted 1/4: the same observation
    k = 4
    ids = np.repeat([f"t{i}" for i in range(n)], k)
    grouped = auc_interval(np.repeat(y, k), np.repeat(p, k), np.full(n * k, 1 / k), groups=ids)
    assert grouped == pytest.approx(one)
    # counted as 480 independent rows the interval would be half as wide: too sure of itself
    naive = auc_interval(np.repeat(y, k), np.repeat(p, k), np.full(n * k, 1 / k))
    assert (naive[2] - naive[1]) < 0.6 * (one[2] - one[1])


def test_the_verdict_and_its_edges():
    assert better_than_chance(0.43, 0.58) is False and better_than_chance(0.51, 0.7) is True
    assert better_than_chance(None, None) is None and better_than_chance(math.nan, math.nan) is None
    assert verdict(0.51, 0.43, 0.58).startswith("no better than chance on this account's data: AUC 0.51")
    assert verdict(0.31, 0.2, 0.42).endswith("lies below 0.5") and verdict(None, None, None) == ""
    assert all(math.isnan(v) for v in auc_interval([1, 1], [0.2, 0.4]))  # one class: no AUC
