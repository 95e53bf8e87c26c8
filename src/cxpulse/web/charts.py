"""Charts as SVG strings: pure functions, no JavaScript, no library, nothing fetched.

Each chart is an `<svg role="img">` named by its own `<title>` and `<desc>` (screen
readers announce both); every point carries a `<title>` too, which browsers show as a
tooltip. The page puts the same figures in a table beside the chart — the chart is
for reading a trend at a glance, the table for reading a number.

Colours are presentation attributes, not `style=`: the app's Content-Security-Policy
(`default-src 'self'`) blocks inline styles. Text is drawn in colours that reach 4.5:1
on white; the interval band is a pale tint of the line's colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from babel.numbers import format_decimal, format_percent, get_decimal_symbol
from markupsafe import Markup

from cxpulse.web.i18n import N_, babel_locale, language
from cxpulse.web.i18n import gettext as _

TEXT = "#1a1a1a"  # 17.4:1 on white
MUTED = "#4a4a4a"  # 8.9:1 on white
GRID = "#d1d5db"
LINE = "#1d4ed8"
BAND = "#c7d5f7"
DIAGONAL = "#6b7280"

Format = Callable[[float], str]


@dataclass(frozen=True, slots=True)
class Point:
    """One figure: `value` with its 95% interval `low`–`high` over `n` answers (None: no data)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0


FIX_FIRST, KEEP_UP = N_("fix first"), N_("keep up")  # metrics/csi.py's quadrants, as the matrix labels them


def NO_DATA() -> str:  # noqa: N802 — a text, translated when drawn (Babel reads no _() inside an f-string)
    return _("no data")


def _IMPORTANCE() -> str:  # noqa: N802
    return _("importance →")


def _interval(fmt: Callable[[float], str], p: Point) -> str:
    """", 95% interval 80% to 90%" for a point's tooltip, "" without an interval (in the page's language)."""
    if p.low is None or p.high is None:
        return ""
    return ", " + _("95%% interval %(low)s to %(high)s") % {"low": fmt(p.low), "high": fmt(p.high)}


def _share(t: float) -> str:
    """0.8 → "80%" ("80 %" in Russian)."""
    return f"{t:.0%}" if language() == "en" else format_percent(t, locale=babel_locale())


def _fixed(v: float, digits: int) -> str:
    """3.50 ("3,50" in Russian)."""
    return f"{v:.{digits}f}" if language() == "en" else format_decimal(round(v, digits), "0." + "0" * digits if digits
                                                                         else "0", locale=babel_locale())


def _matrix_point(label: str, importance: float, satisfaction: float, quadrant: str) -> str:
    """A CSI attribute's tooltip: "speed: importance 3.50, satisfaction 25, low priority"."""
    return _("%(label)s: importance %(importance)s, satisfaction %(satisfaction)s, %(quadrant)s") % {
        "label": label, "importance": _fixed(importance, 2), "satisfaction": _fixed(satisfaction, 0),
        "quadrant": _(quadrant)}


def matrix_said(label: str, importance: float, satisfaction: float, quadrant: str) -> str:
    """A CSI attribute in the matrix's description: "speed: importance 3.50, satisfaction 25 (low priority)"."""
    return _("%(label)s: importance %(importance)s, satisfaction %(satisfaction)s (%(quadrant)s)") % {
        "label": label, "importance": _fixed(importance, 2), "satisfaction": _fixed(satisfaction, 0),
        "quadrant": _(quadrant)}


def _num(x: float) -> str:
    """Coordinates with one decimal: short markup, no visible rounding."""
    return "0" if math.isnan(x) else f"{x:.1f}".rstrip("0").rstrip(".")


def _plain(v: float) -> str:
    text = f"{v:.1f}" if abs(v) < 10 and v != int(v) else f"{v:.0f}"
    return text if language() == "en" else text.replace(".", get_decimal_symbol(babel_locale()))


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering lo..hi: steps of 1, 2 or 5 × a power of ten.

    >>> nice_ticks(62.3, 91.8)
    [60.0, 70.0, 80.0, 90.0, 100.0]
    """
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v < hi + step * 0.999:
        ticks.append(float(round(v, 10)))
        v += step
    return ticks


def _axis_range(points: Sequence[Point], bounds: tuple[float, float] | None) -> tuple[float, float]:
    values = [v for p in points for v in (p.value, p.low, p.high) if v is not None]
    if not values:
        return bounds or (0.0, 1.0)
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.1, 1e-9 if hi != lo else max(abs(hi) * 0.05, 1.0))
    lo, hi = lo - pad, hi + pad
    if bounds:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return lo, hi


def _open(chart_id: str, width: int, height: int, title: str, desc: str, css_class: str) -> list[str]:
    return [
        (f'<svg class="chart {css_class}" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
         f'width="{width}" height="{height}" role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
         f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">'),
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]


def line_chart(
    points: Sequence[Point], *, chart_id: str, title: str, desc: str, fmt: Format = _plain,
    bounds: tuple[float, float] | None = None, width: int = 640, height: int = 220, tick_fmt: Format | None = None,
) -> Markup:
    """A trend: the figure per period as a line, its 95% interval as a band behind it.

    A period without data leaves a gap rather than a line drawn through nothing.
    `bounds` clamps the y axis to what the figure can be (0–100 for a percentage);
    `tick_fmt` writes the axis' round numbers (default: `fmt`).
    """
    left, right, top, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = _axis_range(points, bounds)
    ticks = [t for t in nice_ticks(lo, hi) if (bounds is None or bounds[0] <= t <= bounds[1])]
    if ticks:
        lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    span = hi - lo or 1.0
    n = len(points)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / span)

    out = _open(chart_id, width, height, title, desc, "line-chart")
    for t in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y(t))}" y2="{_num(y(t))}" stroke="{GRID}" '
                   f'stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y(t) + 4)}" text-anchor="end" fill="{MUTED}">'
                   f'{escape((tick_fmt or fmt)(t))}</text>')
    for i in label_indexes(n):
        anchor = "end" if i == n - 1 and n > 1 else "middle"  # the newest label stays inside the chart
        out.append(f'<text x="{_num(x(i) + (4 if anchor == "end" else 0))}" y="{height - 8}" text-anchor="{anchor}" '
                   f'fill="{MUTED}">{escape(points[i].label)}</text>')
    for run in _runs(points):
        band = [p for p in run if points[p].low is not None and points[p].high is not None]
        if band:
            upper = " ".join(f"{_num(x(i))},{_num(y(points[i].high))}" for i in band)
            lower = " ".join(f"{_num(x(i))},{_num(y(points[i].low))}" for i in reversed(band))
            out.append(f'<polygon class="band" points="{upper} {lower}" fill="{BAND}" stroke="none"/>')
        if len(run) == 1 and band:  # a lone period: its interval as a whisker, there is no band to draw
            (i,) = run
            out.append(f'<line class="whisker" x1="{_num(x(i))}" x2="{_num(x(i))}" y1="{_num(y(points[i].low))}" '
                       f'y2="{_num(y(points[i].high))}" stroke="{BAND}" stroke-width="6" stroke-linecap="round"/>')
        if len(run) > 1:
            line = " ".join(f"{_num(x(i))},{_num(y(points[i].value))}" for i in run)
            out.append(f'<polyline class="line" points="{line}" fill="none" stroke="{LINE}" stroke-width="2.5" '
                       f'stroke-linejoin="round"/>')
    for i, p in enumerate(points):
        if p.value is None:
            continue
        interval = _interval(fmt, p)
        out.append(f'<circle cx="{_num(x(i))}" cy="{_num(y(p.value))}" r="3.5" fill="{LINE}">'
                   f'<title>{escape(f"{p.label}: {fmt(p.value)}{interval}, n = {p.n}")}</title></circle>')
    if not any(p.value is not None for p in points):
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
                   f'{escape(NO_DATA())}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def label_indexes(n: int, most: int = 8) -> list[int]:
    """Which points get a label under the axis: evenly spaced, at most `most`, the newest
    always (the period a reader looks for first) unless it would crowd its neighbour."""
    if n <= 0:
        return []
    every = max(1, math.ceil(n / most))
    picked = list(range(0, n, every))
    if picked[-1] != n - 1:
        if n - 1 - picked[-1] <= every / 2 and len(picked) > 1:
            picked.pop()
        picked.append(n - 1)
    return picked


def _runs(points: Sequence[Point]) -> list[list[int]]:
    """Indexes of consecutive points that have a value."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, p in enumerate(points):
        if p.value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    if current:
        runs.append(current)
    return runs


def bar_chart(
    bars: Sequence[Point], *, chart_id: str, title: str, desc: str, fmt: Format = _plain,
    bounds: tuple[float, float] = (0.0, 100.0), width: int = 640, row_height: int = 30,
) -> Markup:
    """Horizontal bars, one per label, each with its 95% interval as a whisker and its n."""
    left, right, top = 110, 110, 8
    height = top + row_height * len(bars) + 24
    plot_w = width - left - right
    lo, hi = bounds
    span = hi - lo or 1.0

    def x(v: float) -> float:
        return left + plot_w * (min(max(v, lo), hi) - lo) / span

    out = _open(chart_id, width, height, title, desc, "bar-chart")
    for t in nice_ticks(lo, hi, 5):
        if lo <= t <= hi:
            out.append(f'<line x1="{_num(x(t))}" x2="{_num(x(t))}" y1="{top}" y2="{height - 22}" stroke="{GRID}"/>')
            out.append(f'<text x="{_num(x(t))}" y="{height - 8}" text-anchor="middle" fill="{MUTED}">'
                       f'{escape(fmt(t))}</text>')
    for i, b in enumerate(bars):
        cy = top + row_height * i + row_height / 2
        out.append(f'<text x="{left - 8}" y="{_num(cy + 4)}" text-anchor="end" fill="{TEXT}">{escape(b.label)}</text>')
        if b.value is None:
            out.append(f'<text x="{left + 4}" y="{_num(cy + 4)}" fill="{MUTED}">{escape(NO_DATA())}</text>')
            continue
        interval = _interval(fmt, b)
        out.append(f'<rect x="{left}" y="{_num(cy - 9)}" width="{_num(x(b.value) - left)}" height="18" fill="{BAND}">'
                   f'<title>{escape(f"{b.label}: {fmt(b.value)}{interval}, n = {b.n}")}</title></rect>')
        if b.low is not None and b.high is not None:
            x1, x2 = _num(x(b.low)), _num(x(b.high))
            out.append(f'<line x1="{x1}" x2="{x2}" y1="{_num(cy)}" y2="{_num(cy)}" stroke="{LINE}" stroke-width="2"/>')
            for xe in (x1, x2):
                out.append(f'<line x1="{xe}" x2="{xe}" y1="{_num(cy - 6)}" y2="{_num(cy + 6)}" stroke="{LINE}" '
                           f'stroke-width="2"/>')
        out.append(f'<circle cx="{_num(x(b.value))}" cy="{_num(cy)}" r="4" fill="{LINE}"/>')
        out.append(f'<text x="{width - right + 8}" y="{_num(cy + 4)}" fill="{TEXT}">'
                   f'{escape(fmt(b.value))} (n = {b.n})</text>')
    out.append("</svg>")
    return Markup("".join(out))


def calibration_chart(
    bins: Sequence[dict], *, chart_id: str, title: str, desc: str, size: int = 320,
) -> Markup:
    """Predicted against observed satisfaction per probability bin, beside the diagonal
    a perfectly calibrated model would follow; each dot's area grows with its bin's n."""
    margin = 44
    plot = size - margin - 22  # room for the "100%" under the right edge
    top = 12

    def x(p: float) -> float:
        return margin + plot * p

    def y(p: float) -> float:
        return top + plot * (1 - p)

    out = _open(chart_id, size, size, title, desc, "calibration-chart")
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(f'<line x1="{_num(x(0))}" x2="{_num(x(1))}" y1="{_num(y(t))}" y2="{_num(y(t))}" stroke="{GRID}"/>')
        out.append(f'<line x1="{_num(x(t))}" x2="{_num(x(t))}" y1="{_num(y(0))}" y2="{_num(y(1))}" stroke="{GRID}"/>')
        out.append(f'<text x="{_num(x(0) - 6)}" y="{_num(y(t) + 4)}" text-anchor="end" fill="{MUTED}">'
                   f'{_share(t)}</text>')
        out.append(f'<text x="{_num(x(t))}" y="{_num(y(0) + 16)}" text-anchor="middle" fill="{MUTED}">'
                   f'{_share(t)}</text>')
    out.append(f'<line class="diagonal" x1="{_num(x(0))}" y1="{_num(y(0))}" x2="{_num(x(1))}" y2="{_num(y(1))}" '
               f'stroke="{DIAGONAL}" stroke-width="1.5" stroke-dasharray="5 4"/>')
    pts = [b for b in bins if b.get("predicted") is not None and b.get("observed") is not None]
    if len(pts) > 1:
        line = " ".join(f"{_num(x(b['predicted']))},{_num(y(b['observed']))}" for b in pts)
        out.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    biggest = max((b.get("n", 0) for b in pts), default=1) or 1
    for b in pts:
        r = 3 + 5 * math.sqrt(b.get("n", 0) / biggest)
        label = _("predicted %(predicted)s, observed %(observed)s, n = %(n)s") % {
            "predicted": _share(b["predicted"]), "observed": _share(b["observed"]), "n": b.get("n", 0)}
        out.append(f'<circle cx="{_num(x(b["predicted"]))}" cy="{_num(y(b["observed"]))}" r="{_num(r)}" '
                   f'fill="{LINE}" fill-opacity="0.85"><title>{escape(label)}</title></circle>')
    if not pts:
        out.append(f'<text x="{size / 2}" y="{size / 2}" text-anchor="middle" fill="{MUTED}">'
                   f'{escape(NO_DATA())}</text>')
    out.append("</svg>")
    return Markup("".join(out))


QUADRANT_COLOURS = {"fix first": "#b42318", "keep up": "#1a7f37", "low priority": "#6b7280", "maintain": "#1d4ed8"}


def matrix_chart(
    points: Sequence[tuple[str, float, float, str]], *, chart_id: str, title: str, desc: str,
    x_mid: float, y_mid: float, x_bounds: tuple[float, float], width: int = 560, height: int = 360,
) -> Markup:
    """The CSI priority matrix: each attribute at (importance, satisfaction), the lines at
    their means splitting it into quadrants — important and unsatisfying top-left is what to
    fix first. `points`: (label, importance, satisfaction 0–100, quadrant)."""
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x_lo, x_hi = x_bounds
    span_x = x_hi - x_lo or 1.0

    def x(v: float) -> float:
        return left + plot_w * (min(max(v, x_lo), x_hi) - x_lo) / span_x

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(v, 0.0), 100.0) / 100.0)

    out = _open(chart_id, width, height, title, desc, "matrix-chart")
    for t in (0, 25, 50, 75, 100):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y(t))}" y2="{_num(y(t))}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y(t) + 4)}" text-anchor="end" fill="{MUTED}">{t}</text>')
    for t in nice_ticks(x_lo, x_hi, 5):
        if x_lo <= t <= x_hi:
            out.append(f'<text x="{_num(x(t))}" y="{height - bottom + 16}" text-anchor="middle" fill="{MUTED}">'
                       f'{escape(_plain(t))}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">'
               f'{escape(_IMPORTANCE())}</text>')
    out.append(f'<line x1="{_num(x(x_mid))}" x2="{_num(x(x_mid))}" y1="{top}" y2="{top + plot_h}" stroke="{MUTED}" '
               f'stroke-dasharray="4 3"/>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{_num(y(y_mid))}" y2="{_num(y(y_mid))}" stroke="{MUTED}" '
               f'stroke-dasharray="4 3"/>')
    out.append(f'<text x="{width - right - 4}" y="{top + plot_h - 6}" text-anchor="end" fill="{MUTED}">'
               f'{escape(_(FIX_FIRST))}</text>')
    out.append(f'<text x="{width - right - 4}" y="{top + 14}" text-anchor="end" fill="{MUTED}">'
               f'{escape(_(KEEP_UP))}</text>')
    for label, imp, sat, quadrant in points:
        colour = QUADRANT_COLOURS.get(quadrant, LINE)
        out.append(f'<circle cx="{_num(x(imp))}" cy="{_num(y(sat))}" r="6" fill="{colour}">'
                   f'<title>{escape(_matrix_point(label, imp, sat, quadrant))}</title>'
                   f'</circle>')
        anchor = "end" if x(imp) > left + plot_w * 0.75 else "start"
        dx = -9 if anchor == "end" else 9
        out.append(f'<text x="{_num(x(imp) + dx)}" y="{_num(y(sat) + 4)}" text-anchor="{anchor}" fill="{TEXT}">'
                   f'{escape(label)}</text>')
    if not points:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{MUTED}">'
                   f'{escape(NO_DATA())}</text>')
    out.append("</svg>")
    return Markup("".join(out))
