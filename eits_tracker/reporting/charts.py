"""Small SVG charts for the report: level distribution, layer heatmap, an eight-quarter trend.

Written by hand on purpose: the figures must be byte-identical run after run (matplotlib and pygal
put random ids or dates in their SVG), 80 of them must take milliseconds, and they must open in any
browser or Markdown viewer without scripts or fonts. Every text is XML-escaped; coordinates are
rounded to one decimal so the output does not depend on float noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

FONT = "font-family='system-ui,-apple-system,Segoe UI,sans-serif'"
GREY, INK, LINE = "#d0d4da", "#1f2933", "#8a94a3"
BASIC, STANDARD, PREVIOUS, CURRENT = "#1769aa", "#e07b00", "#b8c4d6", "#1769aa"


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_f(width)}' height='{_f(height)}' "
        f"viewBox='0 0 {_f(width)} {_f(height)}' role='img' {FONT} font-size='12'>\n"
        f"<title>{escape(title)}</title>\n" + "\n".join(body) + "\n</svg>\n"
    )


def heat_colour(value: float | None) -> str:
    """Red (0 %) through yellow to green (100 %); grey when there is nothing to measure."""
    if value is None:
        return "#eeeeee"
    v = max(0.0, min(1.0, value))
    if v < 0.5:
        r, g, b = 215, round(48 + (190 - 48) * v * 2), 39
    else:
        r, g, b = (
            round(215 - (215 - 26) * (v - 0.5) * 2),
            round(190 - (190 - 152) * (v - 0.5) * 2),
            round(39 + 41 * (v - 0.5) * 2),
        )
    return f"#{r:02x}{g:02x}{b:02x}"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def levels_chart(
    title: str, names: Sequence[str], now: dict[int, int], before: dict[int, int], legend: tuple[str, str]
) -> str:
    """Municipalities per maturity level 0..5: this quarter beside the previous one."""
    width, height, left, bottom, top = 620, 280, 40, 86, 30
    top_value = max([1, *now.values(), *before.values()])
    plot_h = height - bottom - top
    slot = (width - left - 10) / 6
    body = [f"<line x1='{left}' y1='{height - bottom}' x2='{width - 10}' y2='{height - bottom}' stroke='{LINE}'/>"]
    for level in range(6):
        x = left + slot * level
        for offset, (counts, colour) in enumerate(((before, PREVIOUS), (now, CURRENT))):
            n = counts.get(level, 0)
            h = plot_h * n / top_value
            bx = x + slot * 0.15 + offset * slot * 0.35
            body.append(
                f"<rect x='{_f(bx)}' y='{_f(height - bottom - h)}' width='{_f(slot * 0.33)}' height='{_f(h)}' "
                f"fill='{colour}'><title>{escape(names[level])}: {n}</title></rect>"
            )
            body.append(
                f"<text x='{_f(bx + slot * 0.165)}' y='{_f(height - bottom - h - 4)}' text-anchor='middle' "
                f"fill='{INK}'>{n}</text>"
            )
        # "4 – basic protection": the number on the axis, the name below it in lines that fit the slot.
        number, _sep, name = names[level].partition(" – ")
        lines = [number, *_wrap(name, 14)]
        for k, line in enumerate(lines):
            size = "" if k == 0 else " font-size='10'"
            body.append(
                f"<text x='{_f(x + slot / 2)}' y='{height - bottom + 16 + 12 * k}' text-anchor='middle'{size} "
                f"fill='{INK}'>{escape(line)}</text>"
            )
    for i, (label, colour) in enumerate(zip(legend, (PREVIOUS, CURRENT), strict=True)):
        lx = left + i * 200
        body.append(f"<rect x='{lx}' y='{height - 28}' width='12' height='12' fill='{colour}'/>")
        body.append(f"<text x='{lx + 18}' y='{height - 18}' fill='{INK}'>{escape(label)}</text>")
    body.insert(0, f"<text x='{left}' y='18' font-weight='bold' fill='{INK}'>{escape(title)}</text>")
    return _svg(width, height, title, body)


def heatmap(title: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """Fulfilment per layer (columns) of each municipality (rows), coloured cells with the percentage."""
    label_w, cell_w, cell_h, top = 190, 52, 18, 48
    width = label_w + cell_w * len(columns) + 10
    height = top + cell_h * len(rows) + 10
    body = [f"<text x='4' y='18' font-weight='bold' fill='{INK}'>{escape(title)}</text>"]
    for j, column in enumerate(columns):
        x = label_w + cell_w * j + cell_w / 2
        body.append(f"<text x='{_f(x)}' y='{top - 8}' text-anchor='middle' fill='{INK}'>{escape(column)}</text>")
    for i, (name, values) in enumerate(rows):
        y = top + cell_h * i
        body.append(f"<text x='{label_w - 6}' y='{_f(y + 13)}' text-anchor='end' fill='{INK}'>{escape(name)}</text>")
        for j, value in enumerate(values):
            x = label_w + cell_w * j
            shown = "–" if value is None else f"{round(value * 100)}"
            body.append(
                f"<rect x='{_f(x)}' y='{_f(y)}' width='{cell_w - 2}' height='{cell_h - 2}' fill='{heat_colour(value)}'>"
                f"<title>{escape(name)} · {escape(columns[j])}: {shown} %</title></rect>"
                f"<text x='{_f(x + cell_w / 2 - 1)}' y='{_f(y + 12.5)}' text-anchor='middle' font-size='10' "
                f"fill='{INK}'>{shown}</text>"
            )
    return _svg(width, height, title, body)


def trend_chart(
    title: str,
    quarters: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    levels: Sequence[int | None],
    level_caption: str = "",
) -> str:
    """Fulfilment lines (0–100 %) over the quarters, with the maturity level written under each quarter."""
    width, height, left, right, top, bottom = 660, 262, 70, 36, 30, 76
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(quarters) - 1)
    body = [f"<text x='{left}' y='18' font-weight='bold' fill='{INK}'>{escape(title)}</text>"]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f"<line x1='{left}' y1='{_f(y)}' x2='{width - right}' y2='{_f(y)}' stroke='{GREY}'/>")
        body.append(f"<text x='{left - 6}' y='{_f(y + 4)}' text-anchor='end' fill='{INK}'>{pct} %</text>")
    for i, quarter in enumerate(quarters):
        x = left + step * i
        body.append(
            f"<text x='{_f(x)}' y='{height - bottom + 16}' text-anchor='middle' fill='{INK}'>{escape(quarter)}</text>"
        )
        level = levels[i] if i < len(levels) else None
        shown = "–" if level is None else str(level)
        body.append(f"<text x='{_f(x)}' y='{height - bottom + 32}' text-anchor='middle' fill='{LINE}'>{shown}</text>")
    if level_caption:
        body.append(
            f"<text x='{left - 12}' y='{height - bottom + 32}' text-anchor='end' fill='{LINE}'>"
            f"{escape(level_caption)}</text>"
        )
    for (_name, values), colour in zip(series, (BASIC, STANDARD), strict=False):
        points = [(left + step * i, top + plot_h * (1 - v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
            body.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2.5'/>")
        for x, y in points:
            body.append(f"<circle cx='{_f(x)}' cy='{_f(y)}' r='3' fill='{colour}'/>")
    for k, ((name, _values), colour) in enumerate(zip(series, (BASIC, STANDARD), strict=False)):
        lx = left + k * 200
        body.append(f"<rect x='{lx}' y='{height - 14}' width='12' height='4' fill='{colour}'/>")
        body.append(f"<text x='{lx + 18}' y='{height - 8}' fill='{INK}'>{escape(name)}</text>")
    return _svg(width, height, title, body)
