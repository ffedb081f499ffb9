"""The SVG chart geometry (carebook.reports.charts) and its partial, without a database."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from carebook.reports.charts import bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
DAYS = ["Mon 2 Mar", "Tue 3 Mar", "Wed 4 Mar"]


def svg_of(chart) -> ET.Element:
    html = render_to_string("partials/chart.html", {"chart": chart})
    return ET.fromstring(re.search(r"<svg.*</svg>", html, re.S).group(0))


def heights(chart) -> list[float]:
    return [r["height"] for g in chart["groups"] for r in g["rects"]]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (150, ["0", "50", "100", "150"]),
        (14, ["0", "5", "10", "15"]),
        (7, ["0", "2", "4", "6", "8"]),
        (101, ["0", "25", "50", "75", "100", "125"]),
        (Decimal("1234.50"), ["0", "250", "500", "750", "1000", "1250"]),
        (0.37, ["0.0", "0.1", "0.2", "0.3", "0.4"]),
    ],
)
def test_ticks_are_round_and_reach_the_maximum(maximum, expected):
    assert [str(t) for t in nice_ticks(maximum)] == expected


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_ticks_are_few_evenly_spaced_and_cover_the_maximum(maximum):
    ticks = nice_ticks(maximum)
    assert ticks[0] == 0 and ticks[-1] >= maximum
    assert 2 <= len(ticks) <= 6
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    digits = steps.pop().normalize().as_tuple().digits
    assert digits in {(1,), (2,), (2, 5), (5,)}
    if maximum > 1:
        assert len(ticks) >= 4  # 0 and at least three round values


def test_counts_get_whole_ticks():
    assert [str(t) for t in nice_ticks(2, integers=True)] == ["0", "1", "2"]
    chart = bar_chart(["a", "b"], [("n", [2, 1])], title="t")
    assert [t["label"] for t in chart["ticks"]] == ["0", "1", "2"]
    money = bar_chart(["a", "b"], [("n", [Decimal("2.00"), Decimal("1.50")])], title="t")
    assert [t["label"] for t in money["ticks"]] == ["0.0", "0.5", "1.0", "1.5", "2.0"]


def test_bar_heights_are_proportional_to_values():
    chart = bar_chart(DAYS, [("Completed", [10, 20, 5])], title="Visits")
    h = heights(chart)
    assert h[1] == pytest.approx(2 * h[0], abs=0.02) and h[2] == pytest.approx(h[0] / 2, abs=0.02)
    top = float(chart["ticks"][-1]["value"])
    assert h[1] == pytest.approx(20 / top * chart["plot"]["height"], abs=0.01)
    for g in chart["groups"]:
        for r in g["rects"]:
            assert r["y"] + r["height"] == pytest.approx(chart["plot"]["bottom"], abs=0.01)
    assert chart["groups"][0]["rects"][0]["title"] == "Mon 2 Mar: Completed 10"


def test_grouped_bars_sit_side_by_side_inside_their_band():
    chart = bar_chart(DAYS, [("Completed", [1, 2, 3]), ("No-show", [3, 2, 1])], title="Visits")
    for i, g in enumerate(chart["groups"]):
        a, b = g["rects"]
        assert (a["cls"], b["cls"]) == (0, 1)
        assert b["x"] == pytest.approx(a["x"] + a["width"], abs=0.01)
        left = chart["plot"]["left"] + chart["band"] * i
        assert left <= a["x"] and b["x"] + b["width"] <= left + chart["band"] + 0.01
    assert chart["legend"] == [{"name": "Completed", "cls": 0}, {"name": "No-show", "cls": 1}]


def test_stacked_bars_sum():
    series = [("Completed", [10, 0, 4]), ("Cancelled", [5, 3, 4]), ("No-show", [1, 0, 2])]
    chart = bar_chart(DAYS, series, title="Visits", stacked=True)
    scale = chart["plot"]["height"] / float(chart["top"])
    assert chart["ticks"][-1]["value"] >= 16
    for g, total in zip(chart["groups"], [16, 3, 10], strict=True):
        rects = g["rects"]
        assert sum(r["height"] for r in rects) == pytest.approx(total * scale, abs=0.05)
        assert len({r["x"] for r in rects}) == 1
        for lower, upper in zip(rects, rects[1:], strict=False):  # each sits on the one below
            assert upper["y"] + upper["height"] == pytest.approx(lower["y"], abs=0.02)
    assert [r["cls"] for r in chart["groups"][1]["rects"]] == [1]  # zeros draw nothing


@pytest.mark.parametrize("make", [bar_chart, line_chart])
def test_all_zero_and_empty_data(make):
    zero = make(DAYS, [("Completed", [0, 0, 0])], title="Visits")
    assert [t["label"] for t in zero["ticks"]] == ["0", "1"] and not zero["empty"]
    for labels, series in [([], []), ([], [("Completed", [])]), (DAYS, [])]:
        chart = make(labels, series, title="Visits")
        assert chart["empty"] and chart["ticks"][0]["label"] == "0"
        svg_of(chart)
    if make is bar_chart:
        assert heights(zero) == []
    else:
        assert {m["y"] for m in zero["lines"][0]["markers"]} == {zero["plot"]["bottom"]}


def test_negative_values_are_drawn_as_zero_and_said_so():
    chart = bar_chart(DAYS, [("Net", [5, -3, 2])], title="Net")
    assert chart["clamped"] and len(heights(chart)) == 2
    line = line_chart(DAYS, [("Net", [-5, -3, -2])], title="Net")
    assert line["clamped"] and line["lines"][0]["markers"][0]["title"] == "Mon 2 Mar: Net -5"
    assert "negative values are drawn as zero" in render_to_string(
        "partials/chart.html", {"chart": chart}
    )


def test_mismatched_series_are_refused():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        bar_chart(DAYS, [("Completed", [1, 2])], title="Visits")


def test_x_labels_are_thinned():
    labels = [f"{d} Mar" for d in range(1, 32)]
    chart = bar_chart(labels, [("Visits", list(range(31)))], title="March")
    shown = [x["text"] for x in chart["x_labels"]]
    assert 2 <= len(shown) <= 12 and shown[0] == "1 Mar"
    every = labels.index(shown[1])
    assert shown == labels[::every]
    assert not chart["dense"]
    year = bar_chart([f"d{i}" for i in range(365)], [("Visits", [1] * 365)], title="Year")
    assert year["dense"] and len(year["x_labels"]) <= 12
    assert 'class="chart chart-dense"' in render_to_string("partials/chart.html", {"chart": year})
    few = bar_chart(DAYS, [("Visits", [1, 2, 3])], title="Visits")
    assert [x["text"] for x in few["x_labels"]] == DAYS


def test_decimals_and_units():
    money = [Decimal("1250.50"), Decimal("0.00"), Decimal("310.25")]
    chart = bar_chart(DAYS, [("Invoiced", money)], title="Revenue", unit="INR")
    assert chart["ticks"][-1]["value"] >= Decimal("1250.50")
    assert chart["groups"][0]["rects"][0]["title"] == "Mon 2 Mar: Invoiced 1,250.50 INR"
    line = line_chart(DAYS, [("Invoiced", money)], title="Revenue", unit="INR")
    assert line["lines"][0]["markers"][2]["title"] == "Wed 4 Mar: Invoiced 310.25 INR"


def test_line_chart_points():
    chart = line_chart(DAYS, [("Booked", [2, 4, 0]), ("Cancelled", [1, 0, 1])], title="Trend")
    booked, cancelled = chart["lines"]
    assert (booked["cls"], cancelled["cls"]) == (0, 1)
    xs_ys = [tuple(map(float, p.split(","))) for p in booked["points"].split()]
    assert xs_ys == [(m["x"], m["y"]) for m in booked["markers"]]
    assert xs_ys[0][1] - xs_ys[1][1] == pytest.approx(chart["plot"]["bottom"] - xs_ys[0][1], 0.01)
    assert xs_ys[2][1] == chart["plot"]["bottom"]


def test_ids_come_from_the_title_or_are_given():
    assert bar_chart([], [], title="Visits per day")["id"] == "chart-visits-per-day"
    assert line_chart([], [], title="x", chart_id="revenue-2")["id"] == "revenue-2"


def test_bar_partial_is_well_formed_svg_with_a_titled_rect_per_value():
    series = [("Completed & paid", [14, 0, 3]), ("No-show", [1, 2, 0])]
    chart = bar_chart(DAYS, series, title="Visits <per> day", unit="visits")
    html = render_to_string("partials/chart.html", {"chart": chart})
    svg = svg_of(chart)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-visits-per-day-title"
    assert "aria-hidden" not in html and "style=" not in html
    title = svg.find(f"{SVG}title")
    assert title.get("id") == "chart-visits-per-day-title" and title.text == "Visits <per> day"
    rects = svg.findall(f".//{SVG}rect")
    assert len(rects) == 4  # one per non-zero value
    tips = [r.find(f"{SVG}title").text for r in rects]
    assert "Mon 2 Mar: Completed & paid 14 visits" in tips
    assert {r.get("class") for r in rects} == {"chart-bar chart-s0", "chart-bar chart-s1"}
    assert (
        "<figcaption>Visits &lt;per&gt; day" in html and "the table below has the numbers" in html
    )
    assert html.count('class="chart-swatch') == 2


def test_line_partial_is_well_formed_svg_with_a_titled_point_per_value():
    chart = line_chart(DAYS, [("Booked", [2.5, 4, 0]), ("Cancelled", [1, 0, 1])], title="Trend")
    svg = svg_of(chart)
    assert len(svg.findall(f".//{SVG}polyline")) == 2
    points = svg.findall(f".//{SVG}circle")
    assert len(points) == 6 and all(p.find(f"{SVG}title") is not None for p in points)


def test_partial_coordinates_are_not_localised():
    chart = bar_chart(DAYS, [("Completed", [1, 2, 3])], title="Visits")
    with translation.override("de"):
        svg = svg_of(chart)
    for rect in svg.iter(f"{SVG}rect"):
        float(rect.get("y"))  # 12.5, never 12,5


def test_series_colours_meet_non_text_contrast():
    css = (Path(settings.BASE_DIR) / "carebook/static/css/carebook.css").read_text()
    colours = re.findall(r"\.chart-s\d \{ --chart-colour: #([0-9a-f]{6}); \}", css)
    assert len(colours) == 6

    def luminance(hex_):
        c = [int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    assert all(1.05 / (luminance(c) + 0.05) >= 3 for c in colours)


values = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**6),
        st.decimals(min_value=0, max_value=10**6, places=2),
        st.floats(min_value=0, max_value=10**6, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


@given(values, st.booleans())
def test_bar_heights_stay_in_the_plot_and_keep_the_order_of_values(vs, stacked):
    labels = [f"d{i}" for i in range(len(vs))]
    chart = bar_chart(labels, [("a", vs)], title="p", stacked=stacked)
    plot = chart["plot"]
    drawn = {}
    for i, g in enumerate(chart["groups"]):
        for r in g["rects"]:
            assert 0 <= r["height"] <= plot["height"] + 0.01
            assert plot["top"] - 0.01 <= r["y"] and r["y"] + r["height"] <= plot["bottom"] + 0.01
            drawn[i] = r["height"]
    for i in range(len(vs)):
        for j in range(len(vs)):
            if vs[i] < vs[j]:
                assert drawn.get(i, 0) <= drawn.get(j, 0)
