"""Inline SVG charts drawn on the server: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
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
    tz = ZoneInfo(zone)
    start, end = _span(points, infusions, now)
    seconds = (end - start).total_seconds()
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: datetime) -> float:
        return round(LEFT + plot_w * (t - start).total_seconds() / seconds, 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (1 - (v - low) / (high - low)), 1)

    parts = [
        f'<svg class="mood-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="mood-chart-title" preserveAspectRatio="xMidYMid meet">',
        f'<title id="mood-chart-title">Mood from {low:g} to {high:g}: {len(points)} answers, '
        f"{len(infusions)} infusions</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d5dde6"/>',
    ]
    for v in (low, (low + high) / 2, high):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v)}" y2="{y(v)}" stroke="#eef1f4"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4}" text-anchor="end" font-size="11">{v:g}</text>'
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
            label = escape(f"{t.astimezone(tz):%a %d %b %H:%M}: mood {v:g}")
            parts.append(
                f'<circle class="point" data-mood="{v:g}" cx="{x(t)}" cy="{y(v)}" r="4" '
                f'fill="#1d6fdc"><title>{label}</title></circle>'
            )
    for t, anchor in ((start, "start"), (end, "end")):
        parts.append(
            f'<text x="{x(t)}" y="{HEIGHT - 8}" text-anchor="{anchor}" font-size="11">'
            f"{escape(f'{t.astimezone(tz):%d %b}')}</text>"
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
