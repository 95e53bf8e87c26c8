"""The dashboard's SVG charts: pure functions, checked as XML — well-formed, named for
screen readers, no inline styles, and drawing what the figures say."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cxpulse.web.charts import Point, bar_chart, calibration_chart, label_indexes, line_chart, nice_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def named(root: ET.Element, chart_id: str) -> tuple[str, str]:
    """The chart's accessible name and description, as aria-labelledby points to them."""
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-t {chart_id}-d"
    title = root.find(f"svg:title[@id='{chart_id}-t']", NS)
    desc = root.find(f"svg:desc[@id='{chart_id}-d']", NS)
    return title.text, desc.text


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(62.3, 91.8) == [60.0, 70.0, 80.0, 90.0, 100.0]
    assert nice_ticks(4.2, 5.6) == [4.0, 4.5, 5.0, 5.5, 6.0]
    assert nice_ticks(-37, 64) == [-50.0, 0.0, 50.0, 100.0]
    assert nice_ticks(5, 5) == [5.0, 5.5, 6.0]  # a flat series still gets an axis


@pytest.mark.parametrize("n, expected", [(0, []), (1, [0]), (5, [0, 1, 2, 3, 4]), (12, [0, 2, 4, 6, 8, 11]),
                                         (26, [0, 4, 8, 12, 16, 20, 25])])
def test_axis_labels_are_spread_out_and_the_newest_period_is_always_labelled(n, expected):
    assert label_indexes(n) == expected


def test_a_line_chart_draws_the_figures_a_band_for_their_intervals_and_names_itself():
    points = [Point("W1", 80.0, 70.0, 88.0, 40), Point("W2", 84.0, 75.0, 90.0, 52), Point("W3", 78.0, 66.0, 87.0, 31)]
    svg = line_chart(points, chart_id="trend-csat", title="CSAT by week", desc="CSAT: W1 80%, W2 84%, W3 78%",
                     fmt=lambda v: f"{v:.0f}%", bounds=(0, 100))
    root = parse(svg)
    assert named(root, "trend-csat") == ("CSAT by week", "CSAT: W1 80%, W2 84%, W3 78%")
    (band,) = root.findall("svg:polygon[@class='band']", NS)
    assert len(band.get("points").split()) == 6  # three highs there, three lows back
    (line,) = root.findall("svg:polyline[@class='line']", NS)
    ys = [float(p.split(",")[1]) for p in line.get("points").split()]
    assert ys[1] < ys[0] < ys[2]  # 84 drawn highest, 78 lowest (SVG y grows downwards)
    dots = root.findall("svg:circle", NS)
    assert [d.find("svg:title", NS).text for d in dots][1] == "W2: 84%, 95% interval 75% to 90%, n = 52"
    labels = [t.text for t in root.findall("svg:text", NS)]
    assert {"W1", "W2", "W3"} <= set(labels) and all(t.endswith("%") for t in labels if t not in ("W1", "W2", "W3"))
    assert "style=" not in svg  # the CSP drops inline styles: colours are attributes


def test_a_period_without_data_is_a_gap_and_a_lone_period_a_whisker():
    points = [Point("a", 5.0, 4.0, 6.0, 9), Point("b", 5.5, 4.5, 6.2, 8), Point("c", None), Point("d", 4.0, 3.1, 4.9, 3)]
    root = parse(line_chart(points, chart_id="ces", title="CES", desc="CES by week"))
    assert len(root.findall("svg:polyline", NS)) == 1  # a..b only: nothing is drawn through c
    assert len(root.findall("svg:circle", NS)) == 3
    assert len(root.findall("svg:line[@class='whisker']", NS)) == 1  # d stands alone


def test_a_chart_without_any_data_says_so():
    root = parse(line_chart([Point("a", None), Point("b", None)], chart_id="x", title="t", desc="d"))
    assert [t.text for t in root.findall("svg:text", NS)][-1] == "no data"


def test_text_in_a_chart_is_escaped():
    svg = line_chart([Point("<b>&", 1.0, 0.5, 1.5, 2)], chart_id="e", title="a < b & c", desc='"quoted"')
    root = parse(svg)
    assert named(root, "e") == ("a < b & c", '"quoted"')
    assert "<b>" not in svg


def test_a_bar_chart_has_a_bar_whisker_and_count_per_bucket():
    bars = [Point("<1 h", 94.7, 88.1, 97.7, 94), Point(">24 h", 68.2, 56.2, 78.2, 66), Point("none", None)]
    root = parse(bar_chart(bars, chart_id="by-reply", title="CSAT by first reply", desc="…",
                           fmt=lambda v: f"{v:.0f}%"))
    named(root, "by-reply")
    rects = root.findall("svg:rect", NS)
    assert len(rects) == 2
    assert float(rects[0].get("width")) > float(rects[1].get("width"))  # 94.7 longer than 68.2
    texts = [t.text for t in root.findall("svg:text", NS)]
    assert "95% (n = 94)" in texts and "68% (n = 66)" in texts and "no data" in texts


def test_a_calibration_chart_puts_each_bin_against_the_diagonal():
    bins = [{"predicted": 0.3, "observed": 0.2, "n": 10}, {"predicted": 0.9, "observed": 0.95, "n": 250}]
    root = parse(calibration_chart(bins, chart_id="cal", title="Calibration", desc="two bins"))
    named(root, "cal")
    (diagonal,) = root.findall("svg:line[@class='diagonal']", NS)
    assert float(diagonal.get("x1")) < float(diagonal.get("x2")) and float(diagonal.get("y1")) > float(diagonal.get("y2"))
    small, big = root.findall("svg:circle", NS)
    assert float(big.get("r")) > float(small.get("r"))  # the dot's size follows n
    assert small.find("svg:title", NS).text == "predicted 30%, observed 20%, n = 10"
    assert float(small.get("cy")) > float(diagonal.get("y2"))  # observed below predicted: under the diagonal
