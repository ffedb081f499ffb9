"""Geometry for server-rendered SVG charts (partials/chart.html draws it; no JavaScript).

Pure Python, no database. Coordinates live in a fixed 640 x 240 viewBox; CSS scales the SVG
to the column width. Every chart is shown beside a table with the same numbers, so the
tooltips (<title>) are a convenience, not the only way to read a value.
"""

import math
from decimal import Decimal

from django.utils.text import slugify

WIDTH, HEIGHT = 640, 240
RIGHT, TOP, BOTTOM = 8, 28, 28  # margins around the plot area (the left one fits the ticks)
MAX_X_LABELS = 12
CHAR_WIDTH = 8  # rough width of one tick-label character at the chart's font size
CLASSES = 6  # chart-s0 .. chart-s5 in carebook.css

Number = int | float | Decimal


def _decimal(value: Number) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _text(value: Number) -> str:
    """1,234 or 1,234.50 (Decimals keep their places; floats get at most two)."""
    return format(_decimal(round(value, 2) if isinstance(value, float) else value), ",f")


def _r(x: float) -> float:
    return round(x, 2)


def _length(value: Number, chart: dict) -> float:
    """How far value reaches up the plot, in viewBox units (negatives reach nowhere).

    Decimal arithmetic, so neither tiny nor huge values overflow a float on the way."""
    return float(max(_decimal(value), 0) * chart["plot"]["height"] / chart["top"])


def nice_ticks(maximum: Number, *, integers: bool = False) -> list[Decimal]:
    """0 and up to five round steps (1, 2, 2.5 or 5 times a power of ten) reaching maximum."""
    top = _decimal(maximum)
    if top <= 0:  # all zero (or nothing): still a 0..1 axis, never a division by zero
        top = Decimal(1)
    magnitude = Decimal(10) ** math.floor((top / 4).log10())
    for multiple in ("1", "2", "2.5", "5", "10"):
        step = Decimal(multiple) * magnitude
        if math.ceil(top / step) <= 5:
            break
    if integers:  # counts: no 0.5 ticks (top < 5 here, so still at most five steps)
        step = max(step, Decimal(1))
    ticks = [step * i for i in range(math.ceil(top / step) + 1)]
    exponent = step.normalize().as_tuple().exponent  # -2 for a step of 0.25: two places
    if exponent < 0:
        return [t.quantize(Decimal(1).scaleb(exponent)) for t in ticks]
    return [t.to_integral_value() for t in ticks]


def _check(labels, series) -> None:
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")


def _frame(kind: str, labels, series, title: str, unit: str, chart_id: str, top: Number) -> dict:
    values = [v for _, vs in series for v in vs]
    integers = all(_decimal(v) == _decimal(v).to_integral_value() for v in values)
    ticks = nice_ticks(top, integers=integers)
    left = min(WIDTH // 4, max(32, max(len(_text(t)) for t in ticks) * CHAR_WIDTH + 14))
    plot = {"left": left, "top": TOP, "right": WIDTH - RIGHT, "bottom": HEIGHT - BOTTOM}
    plot |= {"width": plot["right"] - left, "height": plot["bottom"] - TOP}
    plot |= {"cx": left + plot["width"] / 2, "cy": TOP + plot["height"] / 2}
    band = plot["width"] / max(len(labels), 1)  # the slice of the x axis each label gets
    longest = max((len(str(label)) for label in labels), default=1)
    fits = max(1, min(MAX_X_LABELS, int(plot["width"] // (longest * CHAR_WIDTH + 12))))
    every = math.ceil(len(labels) / fits) if labels else 1
    return {
        "kind": kind,
        "id": chart_id or f"chart-{slugify(title) or 'untitled'}",
        "title": title,
        "unit": unit,
        "width": WIDTH,
        "height": HEIGHT,
        "plot": plot,
        "band": band,
        "dense": band < 8,  # bars too thin for the white gap between stacked parts
        "top": ticks[-1],
        "ticks": [
            {
                "value": t,
                "label": _text(t),
                "y": _r(plot["bottom"] - float(t * plot["height"] / ticks[-1])),
            }
            for t in ticks
        ],
        "x_labels": [
            {"text": str(label), "x": _r(left + band * (i + 0.5))}
            for i, label in enumerate(labels)
            if i % every == 0
        ],
        "legend": [{"name": name, "cls": i % CLASSES} for i, (name, _) in enumerate(series)],
        "clamped": any(v < 0 for v in values),
        "empty": not labels or not series,
    }


def _tip(label, name: str, value: Number, unit: str) -> str:
    return f"{label}: {name} {_text(value)}{' ' + unit if unit else ''}"


def bar_chart(
    labels, series, *, title: str, unit: str = "", stacked: bool = False, chart_id: str = ""
) -> dict:
    """Grouped (or stacked) bars: one group per label, one rect per non-zero value.

    Negative values are drawn as 0 (the chart says so: chart["clamped"]); their tooltip keeps
    the real number.
    """
    _check(labels, series)
    if stacked:
        tallest = max(
            (sum(max(_decimal(vs[i]), 0) for _, vs in series) for i in range(len(labels))),
            default=0,
        )
    else:
        tallest = max((_decimal(v) for _, vs in series for v in vs), default=0)
    chart = _frame("bar", labels, series, title, unit, chart_id, tallest)
    plot, band = chart["plot"], chart["band"]
    inner = band * 0.8
    width = inner if stacked or not series else inner / len(series)
    chart["groups"] = []
    for i, label in enumerate(labels):
        left, base, rects = plot["left"] + band * 0.1 + band * i, plot["bottom"], []
        for s, (name, values) in enumerate(series):
            height = _length(values[i], chart)
            x = left if stacked else left + width * s
            if height > 0:
                rects.append(
                    {
                        "x": _r(x),
                        "y": _r(base - height),
                        "width": _r(width),
                        "height": _r(height),
                        "cls": s % CLASSES,
                        "value": values[i],
                        "title": _tip(label, name, values[i], unit),
                    }
                )
            if stacked:
                base -= height
        chart["groups"].append({"label": str(label), "rects": rects})
    return chart


def line_chart(labels, series, *, title: str, unit: str = "", chart_id: str = "") -> dict:
    """One polyline per series through the middle of each label's band, with a marker per value."""
    _check(labels, series)
    tallest = max((_decimal(v) for _, vs in series for v in vs), default=0)
    chart = _frame("line", labels, series, title, unit, chart_id, tallest)
    plot, band = chart["plot"], chart["band"]
    chart["lines"] = []
    for s, (name, values) in enumerate(series):
        markers = [
            {
                "x": _r(plot["left"] + band * (i + 0.5)),
                "y": _r(plot["bottom"] - _length(v, chart)),
                "value": v,
                "title": _tip(label, name, v, unit),
            }
            for i, (label, v) in enumerate(zip(labels, values, strict=True))
        ]
        points = " ".join(f"{m['x']},{m['y']}" for m in markers)
        chart["lines"].append(
            {"name": name, "cls": s % CLASSES, "points": points, "markers": markers}
        )
    return chart
