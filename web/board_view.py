"""How the public board shows its figures: numbers in Vietnamese style and the weekly chart as SVG.

The chart is drawn on the server (no script, no chart library, nothing from a CDN), so it shows on
any phone, prints, and passes the pages' CSP. Suppressed counts ("< 5") are drawn as no bar with a
"<5" mark, never as their real height.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

from handlers import render
from handlers.board import Week

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 360, 170, 14, 28, 6
COLOURS = ("#1f6feb", "#2da44e")  # received, resolved


def number(value: int | str | float | None, language: str) -> str:
    if value is None:
        return render("board.none", language)
    if isinstance(value, float):
        text = f"{value:.1f}"
        return text.replace(".", ",") if language == "vi" else text
    return str(value)


def percent(value: float | None, language: str) -> str:
    return render("board.none", language) if value is None else number(value, language) + "%"


def duration(hours: float | None, language: str) -> str:
    if hours is None:
        return render("board.none", language)
    if hours < 48:
        return render("board.hours", language, {"n": number(round(hours, 1), language)})
    return render("board.days", language, {"n": number(round(hours / 24, 1), language)})


def rating(figures: dict[str, Any], language: str) -> str:
    count = render("board.ratings", language, {"n": figures["rating_count"]})
    if figures["rating_avg"] is None:
        return f"{render('board.none', language)} ({count})"
    return f"{number(float(figures['rating_avg']), language)} ({count})"


def _height(value: int | str, scale: float) -> float:
    return 0.0 if isinstance(value, str) else value * scale


def trend_svg(weeks: Sequence[Week], language: str) -> Markup:
    """Two bars a week (received, resolved) over the last 12 weeks, with an accessible label each."""
    shown = [w.public() for w in weeks]
    peak = max([v for w in shown for v in (w["received"], w["resolved"]) if isinstance(v, int)] + [5])
    scale = (HEIGHT - TOP - BOTTOM) / peak
    slot = (WIDTH - LEFT) / len(shown)
    bar = slot * 0.36
    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(render("board.trend", language))}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="0" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
             f'<text x="{LEFT}" y="10" font-size="9" fill="#555">{peak}</text>']
    for i, week in enumerate(shown):
        x = LEFT + i * slot + slot * 0.12
        label = escape(render("board.trend_label", language, week))
        parts.append(f'<g class="week"><title>{label}</title>')
        for j, key in enumerate(("received", "resolved")):
            value = week[key]
            h = _height(value, scale)
            bx = x + j * bar
            parts.append(f'<rect x="{bx:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{bar - 1:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[j]}"/>')
            if isinstance(value, str):
                parts.append(f'<text x="{bx:.1f}" y="{HEIGHT - BOTTOM - 3}" font-size="7" fill="#555">&lt;5</text>')
        day = week["week"][8:10] + "/" + week["week"][5:7]
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 14}" font-size="8" fill="#333">{day}</text></g>')
    for j, key in enumerate(("board.legend_received", "board.legend_resolved")):
        parts.append(f'<rect x="{LEFT + j * 110}" y="{HEIGHT - 9}" width="8" height="8" fill="{COLOURS[j]}"/>'
                     f'<text x="{LEFT + 12 + j * 110}" y="{HEIGHT - 2}" font-size="9">{escape(render(key, language))}'
                     '</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
