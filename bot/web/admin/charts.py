"""Inline SVG charts drawn on the server: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from markupsafe import Markup

Point = tuple[datetime, float]

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 22, 28


def _span(
    points: Sequence[Point], marks: Sequence[datetime], now: datetime
) -> tuple[datetime, datetime]:
    times = [t for t, _ in points] + list(marks)
    start = min(times) if times else now - timedelta(days=14)
    end = max([*times, now]) if times else now
    if end - start < timedelta(days=1):
        start = end - timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line across the chart, labelled at its right end."""

    value: float
    label: str
    color: str = "#64748b"


@dataclass(frozen=True)
class Band:
    """A shaded range of values (a severity band), labelled at its left edge."""

    low: float
    high: float
    label: str
    fill: str


DATE_TICKS = 6  # date labels along the bottom, the first and last included


def mood_chart(
    points: Sequence[Point],
    infusions: Sequence[datetime],
    *,
    now: datetime,
    zone: str,
    low: float = 0,
    high: float = 10,
) -> Markup:
    """Mood (0-10) over time as a line with a dot per answer; infusions as dashed lines."""
    return line_chart(
        points, infusions, now=now, zone=zone, low=low, high=high, name="mood", what="mood"
    )


PHQ9_BANDS = (
    Band(0, 5, "minimal", "#f0fdf4"),
    Band(5, 10, "mild", "#f7fee7"),
    Band(10, 15, "moderate", "#fefce8"),
    Band(15, 20, "moderately severe", "#fff7ed"),
    Band(20, 27, "severe", "#fef2f2"),
)


def phq9_chart(
    points: Sequence[Point],
    infusions: Sequence[datetime],
    *,
    baseline: float | None,
    now: datetime,
    zone: str,
) -> Markup:
    """PHQ-9 totals over time on the severity bands, with the remission line (below 5) and,
    given a baseline, the baseline and the response line (half of it)."""
    rules = [Rule(5, "remission < 5", "#15803d")]
    if baseline is not None:
        rules += [
            Rule(baseline, f"baseline {baseline:g}", "#b91c1c"),
            Rule(baseline / 2, f"response ≤ {baseline / 2:g}", "#1d4ed8"),
        ]
    return line_chart(
        points,
        infusions,
        now=now,
        zone=zone,
        low=0,
        high=27,
        name="phq9",
        what="PHQ-9",
        rules=rules,
        bands=PHQ9_BANDS,
    )


def line_chart(
    points: Sequence[Point],
    infusions: Sequence[datetime],
    *,
    now: datetime,
    zone: str,
    low: float,
    high: float,
    name: str,
    what: str,
    rules: Sequence[Rule] = (),
    bands: Sequence[Band] = (),
) -> Markup:
    """Values over time as a line with a dot per value; infusions as dashed lines."""
    tz = ZoneInfo(zone)
    start, end = _span(points, infusions, now)
    seconds = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: datetime) -> float:
        return round(LEFT + plot_w * (t - start).total_seconds() / seconds, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - (v - low) / (high - low)), 1)

    parts = [
        f'<svg class="{name}-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{name}-chart-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{name}-chart-title">{escape(what)} from {low:g} to {high:g}: '
        f"{len(points)} answers, {len(infusions)} infusions</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d5dde6"/>',
    ]
    for band in bands:
        parts.append(
            f'<g class="band"><rect x="{LEFT}" y="{y(band.high)}" width="{plot_w}" '
            f'height="{round(y(band.low) - y(band.high), 1)}" fill="{band.fill}"/>'
            f'<text x="{LEFT + 4}" y="{y(band.high) + 11}" font-size="10" fill="#64748b">'
            f"{escape(band.label)}</text></g>"
        )
    for v in (low, (low + high) / 2, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v)}" y2="{y(v)}" stroke="#eef1f4"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4}" text-anchor="end" font-size="11">{v:g}</text>'
        )
    for rule in rules:
        parts.append(
            f'<g class="rule" data-value="{rule.value:g}"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(rule.value)}" y2="{y(rule.value)}" stroke="{rule.color}" '
            f'stroke-dasharray="6 3"/><text x="{WIDTH - RIGHT - 4}" y="{y(rule.value) - 4}" '
            f'text-anchor="end" font-size="11" fill="{rule.color}">{escape(rule.label)}</text></g>'
        )
    for number, at in enumerate(infusions, start=1):
        label = escape(f"Infusion {number}, {at.astimezone(tz):%d %b}")
        parts.append(
            f'<g class="infusion"><title>{label}</title>'
            f'<line x1="{x(at)}" x2="{x(at)}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#7c3aed" '
            f'stroke-dasharray="4 3" stroke-width="1.5"/>'
            f'<text x="{x(at)}" y="{TOP - 6}" text-anchor="middle" font-size="11" fill="#7c3aed">'
            f"I{number}</text></g>"
        )
    if points:
        path = " ".join(f"{x(t)},{y(v)}" for t, v in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1d6fdc" stroke-width="2"/>')
        for t, v in points:
            label = escape(f"{t.astimezone(tz):%a %d %b %H:%M}: {what} {v:g}")
            parts.append(
                f'<circle class="point" data-{name}="{v:g}" cx="{x(t)}" cy="{y(v)}" r="4" '
                f'fill="#1d6fdc"><title>{label}</title></circle>'
            )
    for i in range(DATE_TICKS):
        t = start + (end - start) * i / (DATE_TICKS - 1)
        anchor = "start" if i == 0 else "end" if i == DATE_TICKS - 1 else "middle"
        parts.append(
            f'<text class="date" x="{x(t)}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
            f'font-size="11">{escape(f"{t.astimezone(tz):%d %b}")}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def sparkline(points: Sequence[Point], *, low: float = 0, high: float = 10) -> Markup:
    """A 100x24 trend line for the patients list."""
    if len(points) < 2:
        return Markup("")
    start, end = points[0][0], points[-1][0]
    seconds = max((end - start).total_seconds(), 1.0)
    coords = " ".join(
        f"{round(2 + 96 * (t - start).total_seconds() / seconds, 1)},"
        f"{round(2 + 20 * (1 - (v - low) / (high - low)), 1)}"
        for t, v in points
    )
    return Markup(  # noqa: S704 - numbers only
        f'<svg class="sparkline" width="100" height="24" viewBox="0 0 100 24" aria-hidden="true">'
        f'<polyline points="{coords}" fill="none" stroke="#1d6fdc" stroke-width="1.5"/></svg>'
    )
