"""Small inline-SVG charts: sorted horizontal bars, vertical bars and a line, with an optional
target line. Pure strings, no JavaScript, no external fonts: the report stays one file.

Every mark carries ``data-label`` / ``data-value`` attributes (machine-readable, used by the
tests) and a ``<title>`` (the browser's tooltip).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\""
GOOD, BAD, NEUTRAL, TARGET, GRID, INK, MUTED = (
    "#1b7f6b", "#d9822b", "#3f6fb5", "#b3261e", "#e3e6ea", "#1f2933", "#616e7c")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    note: str = ""  # extra text in the tooltip (e.g. "1.234 / 5.678")
    color: str | None = None


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _attr(v) -> str:
    return escape(str(v), quote=True)


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg viewBox="0 0 {_num(width)} '
            f'{_num(height)}" width="100%" role="img" aria-label="{_attr(title)}" {FONT} '
            f'font-size="12" class="chart"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def _scale_max(values: Sequence[float | None], target: float | None) -> float:
    top = max([v for v in values if v is not None] + ([target] if target is not None else []),
              default=0.0)
    return top * 1.08 if top > 0 else 1.0


def nice_top(top: float, ticks: int = 4) -> float:
    """The smallest round scale end (ticks x 1, 2, 2.5 or 5 x 10^k) at or above ``top``."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    return step * ticks


def hbars(bars: Sequence[Bar], fmt: Callable[[float], str], *, title: str,
          target: float | None = None, target_label: str = "", width: int = 760,
          bar_height: int = 16, gap: int = 6, label_width: int = 150) -> str:
    """Horizontal bars in the given order; bars at or above ``target`` in green, below in
    orange (unless a bar names its colour); a dashed target line across."""
    top = _scale_max([b.value for b in bars], target)
    plot_x, plot_w = label_width + 8, width - label_width - 70
    head = 22 if target is not None else 6
    height = head + len(bars) * (bar_height + gap) + 4
    out = []
    for i in range(0, 5):  # light grid at fifths of the scale
        x = plot_x + plot_w * i / 4
        out.append(f'<line x1="{_num(x)}" y1="{head - 4}" x2="{_num(x)}" y2="{height - 2}" '
                   f'stroke="{GRID}"/>')
    if target is not None:  # behind the bars and their labels
        x = plot_x + plot_w * target / top
        out.append(f'<g class="target" data-value="{_attr(target)}">'
                   f'<line x1="{_num(x)}" y1="14" x2="{_num(x)}" y2="{height - 2}" '
                   f'stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="5 3"/>'
                   f'<text x="{_num(x)}" y="11" text-anchor="middle" fill="{TARGET}">'
                   f"{escape(target_label)}</text></g>")
    for i, bar in enumerate(bars):
        y = head + i * (bar_height + gap)
        value = bar.value
        w = 0 if value is None else max(plot_w * value / top, 0.5)
        color = bar.color or (NEUTRAL if target is None or value is None
                              else GOOD if value >= target else BAD)
        shown = "–" if value is None else fmt(value)
        tip = f"{bar.label}: {shown}" + (f" ({bar.note})" if bar.note else "")
        out.append(
            f'<g class="bar" data-label="{_attr(bar.label)}" '
            f'data-value="{"" if value is None else _attr(value)}">'
            f"<title>{escape(tip)}</title>"
            f'<text x="{label_width}" y="{y + bar_height - 4}" text-anchor="end" '
            f'fill="{INK}">{escape(bar.label)}</text>'
            f'<rect x="{plot_x}" y="{y}" width="{_num(w)}" height="{bar_height}" rx="2" '
            f'fill="{color}"/>'
            f'<text x="{_num(plot_x + w + 4)}" y="{y + bar_height - 4}" fill="{INK}" '
            f'stroke="#fff" stroke-width="3" paint-order="stroke">'
            f"{escape(shown)}</text></g>")
    return _svg(width, height, title, out)


def vbars(bars: Sequence[Bar], fmt: Callable[[float], str], *, title: str, width: int = 520,
          height: int = 220) -> str:
    """Vertical bars with the value above each and the label below."""
    top = _scale_max([b.value for b in bars], None)
    base, plot_h = height - 34, height - 58
    slot = (width - 20) / max(len(bars), 1)
    bar_w = min(slot * 0.62, 70)
    out = [f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{MUTED}"/>']
    for i, bar in enumerate(bars):
        value = bar.value or 0
        h = plot_h * value / top
        cx = 10 + slot * (i + 0.5)
        shown = fmt(value)
        tip = f"{bar.label}: {shown}" + (f" ({bar.note})" if bar.note else "")
        out.append(
            f'<g class="bar" data-label="{_attr(bar.label)}" data-value="{_attr(value)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{_num(cx - bar_w / 2)}" y="{_num(base - h)}" width="{_num(bar_w)}" '
            f'height="{_num(h)}" rx="2" fill="{bar.color or NEUTRAL}"/>'
            f'<text x="{_num(cx)}" y="{_num(base - h - 5)}" text-anchor="middle" '
            f'fill="{INK}">{escape(shown)}</text>'
            f'<text x="{_num(cx)}" y="{base + 16}" text-anchor="middle" fill="{INK}">'
            f"{escape(bar.label)}</text></g>")
    return _svg(width, height, title, out)


def line(points: Sequence[tuple[str, float | None]], fmt: Callable[[float], str], *,
         title: str, target: float | None = None, target_label: str = "", width: int = 760,
         height: int = 240) -> str:
    """A line over labelled points (months), dots labelled with their value."""
    values = [v for _, v in points]
    top = nice_top(_scale_max(values, target))
    left, right, head, base = 56, width - 40, 22, height - 30
    plot_w, plot_h = right - left, base - head
    n = len(points)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return base - plot_h * v / top

    out = []
    for i in range(0, 5):
        v = top * i / 4
        out.append(f'<line x1="{left}" y1="{_num(y_of(v))}" x2="{right}" y2="{_num(y_of(v))}" '
                   f'stroke="{GRID}"/>'
                   f'<text x="{left - 6}" y="{_num(y_of(v) + 4)}" text-anchor="end" '
                   f'fill="{MUTED}">{escape(fmt(v))}</text>')
    if target is not None:
        out.append(f'<g class="target" data-value="{_attr(target)}">'
                   f'<line x1="{left}" y1="{_num(y_of(target))}" x2="{right}" '
                   f'y2="{_num(y_of(target))}" stroke="{TARGET}" stroke-width="1.5" '
                   f'stroke-dasharray="5 3"/><text x="{right}" y="{_num(y_of(target) - 5)}" '
                   f'text-anchor="end" fill="{TARGET}">{escape(target_label)}</text></g>')
    coords = [(x_of(i), y_of(v)) for i, (_, v) in enumerate(points) if v is not None]
    if len(coords) > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="{NEUTRAL}" '
                   f'stroke-width="2.5"/>')
    for i, (label, v) in enumerate(points):
        x = x_of(i)
        out.append(f'<text x="{_num(x)}" y="{base + 18}" text-anchor="middle" '
                   f'fill="{INK}">{escape(label)}</text>')
        if v is None:
            continue
        out.append(f'<g class="point" data-label="{_attr(label)}" data-value="{_attr(v)}">'
                   f"<title>{escape(f'{label}: {fmt(v)}')}</title>"
                   f'<circle cx="{_num(x)}" cy="{_num(y_of(v))}" r="4" fill="{NEUTRAL}"/>'
                   f'<text x="{_num(x)}" y="{_num(y_of(v) - 9)}" text-anchor="middle" '
                   f'fill="{INK}">{escape(fmt(v))}</text></g>')
    return _svg(width, height, title, out)


@dataclass(frozen=True)
class Stack:
    label: str
    parts: Sequence[tuple[str, float, str]]  # (segment name, value, colour), left to right


def stacked_hbars(stacks: Sequence[Stack], fmt: Callable[[float], str], *, title: str,
                  width: int = 760, bar_height: int = 16, gap: int = 6,
                  label_width: int = 150) -> str:
    """Horizontal stacked bars in the given order, the total at the end of each, a legend of
    the segments on top. Each segment is a ``g.segment`` with ``data-label`` (the bar),
    ``data-segment`` and ``data-value``; each bar a ``g.bar`` with its total."""
    top = _scale_max([sum(v for _, v, _ in s.parts) for s in stacks], None)
    plot_x, plot_w = label_width + 8, width - label_width - 80
    head = 24
    height = head + len(stacks) * (bar_height + gap) + 4
    out = []
    names = list(dict.fromkeys((n, c) for s in stacks for n, _, c in s.parts))
    x = plot_x
    for name, color in names:  # the legend
        out.append(f'<rect x="{_num(x)}" y="4" width="10" height="10" fill="{color}"/>'
                   f'<text x="{_num(x + 14)}" y="13" fill="{INK}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for i, stack in enumerate(stacks):
        y = head + i * (bar_height + gap)
        total = sum(v for _, v, _ in stack.parts)
        tip = f"{stack.label}: {fmt(total)} (" + ", ".join(
            f"{n} {fmt(v)}" for n, v, _ in stack.parts) + ")"
        out.append(f'<g class="bar" data-label="{_attr(stack.label)}" '
                   f'data-value="{_attr(total)}"><title>{escape(tip)}</title>'
                   f'<text x="{label_width}" y="{y + bar_height - 4}" text-anchor="end" '
                   f'fill="{INK}">{escape(stack.label)}</text>')
        x = plot_x
        for name, value, color in stack.parts:
            w = plot_w * value / top
            out.append(f'<g class="segment" data-label="{_attr(stack.label)}" '
                       f'data-segment="{_attr(name)}" data-value="{_attr(value)}">'
                       f'<rect x="{_num(x)}" y="{y}" width="{_num(w)}" '
                       f'height="{bar_height}" fill="{color}"/></g>')
            x += w
        out.append(f'<text x="{_num(x + 4)}" y="{y + bar_height - 4}" fill="{INK}">'
                   f"{escape(fmt(total))}</text></g>")
    return _svg(width, height, title, out)
