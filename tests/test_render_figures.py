"""Report charts as compact inline SVG: two renditions, one draw each, the figure left as it was."""

from __future__ import annotations

import re
import xml.dom.minidom

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402

from partner_analytics.render.figures import PHONE_ROW_HEIGHT, PHONE_WIDTH, figure_html, figure_svg  # noqa: E402


@pytest.fixture
def side_by_side():
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), constrained_layout=True)
    for index, ax in enumerate(axes):
        ax.bar(["a", "b", "c"], [1, 2, index + 1])
        ax.set_title(f"Chart {index}")
    yield fig
    plt.close(fig)


def _renditions(page: str) -> tuple[str, str]:
    wide = re.search(r'<div class="pa-wide">(<svg.*?</svg>)</div>', page, re.S).group(1)
    narrow = re.search(r'<div class="pa-narrow">(<svg.*?</svg>)</div>', page, re.S).group(1)
    return wide, narrow


def _size(svg: str) -> tuple[float, float]:
    width, height = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups()
    return float(width), float(height)


def test_a_figure_becomes_two_inline_svg_renditions_and_no_png(side_by_side):
    page = figure_html(side_by_side)
    assert "data:image/png" not in page and "<img" not in page
    wide, narrow = _renditions(page)
    for svg in (wide, narrow):
        xml.dom.minidom.parseString(svg)  # well-formed
        assert all(f">Chart {i}</text>" in svg for i in range(3))


def test_the_phone_rendition_is_narrow_and_stacks_the_charts(side_by_side):
    wide, narrow = _renditions(figure_html(side_by_side))
    assert _size(wide) == (12 * 72, 4 * 72)
    width, height = _size(narrow)
    assert width <= PHONE_WIDTH * 72 * 1.1  # cropped to its content
    assert height >= 3 * PHONE_ROW_HEIGHT[0] * 72  # three charts on top of each other


def test_rendering_leaves_the_figure_as_it_was(side_by_side):
    specs = [ax.get_subplotspec() for ax in side_by_side.axes]
    figure_html(side_by_side)
    assert tuple(side_by_side.get_size_inches()) == (12, 4)
    assert [ax.get_subplotspec() for ax in side_by_side.axes] == specs


def test_the_svg_is_compact_no_metadata_no_ids_on_groups_and_short_numbers(side_by_side):
    svg = figure_svg(side_by_side)
    assert "<metadata" not in svg and '<g id="' not in svg and "font-family" not in svg and "<style" not in svg
    assert not any(re.search(r"\d\.\d{2,}", tag) for tag in re.findall(r"<[^>]*>", svg))


def test_text_on_a_chart_keeps_every_digit_while_coordinates_are_shortened():
    fig, ax = plt.subplots()
    ax.plot([0.123456, 0.987654], [1.23456, 2.34567])
    ax.set_title("Lorenz curve of partner revenue (Gini 0.61)")
    ax.set_xticks([0.25, 0.75], ["$1.23M", "12.75 %"])
    try:
        svg = figure_svg(fig)
    finally:
        plt.close(fig)
    assert "(Gini 0.61)" in svg and "$1.23M" in svg and "12.75 %" in svg
    assert not any(re.search(r"\d\.\d{2,}", tag) for tag in re.findall(r"<[^>]*>", svg))


def test_a_figure_without_layout_engine_is_laid_out_so_its_labels_fit_without_cropping():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_ylabel("a long label\nover two lines")
    ax.set_title("A title")
    figure_svg(fig)
    assert fig.get_layout_engine() is not None
    inside = fig.get_tightbbox(fig.canvas.get_renderer())
    assert inside.x0 >= 0 and inside.y0 >= 0 and inside.x1 <= 4 and inside.y1 <= 3  # inches
    plt.close(fig)


def test_a_title_too_long_for_the_phone_width_is_not_cut_off():
    fig, ax = plt.subplots(figsize=(8, 3), constrained_layout=True)
    ax.set_title("A very long chart title that cannot fit into a phone-sized figure at all, not even close")
    _, narrow = _renditions(figure_html(fig))
    assert _size(narrow)[0] > PHONE_WIDTH * 72  # the canvas grew instead of clipping the title
    plt.close(fig)


def test_a_seaborn_heatmap_with_its_colour_bar_renders_in_both_sizes():
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.heatmap(np.arange(12.0).reshape(3, 4), annot=True, ax=ax)
    page = figure_html(fig)
    assert page.count("<svg") == 2
    plt.close(fig)


def test_the_accessible_name_is_the_escaped_chart_titles():
    fig, ax = plt.subplots()
    ax.set_title('Revenue <script>"x"</script>')
    assert 'aria-label="Revenue &lt;script&gt;&quot;x&quot;&lt;/script&gt;"' in figure_html(fig)
    plt.close(fig)


def test_each_rendition_draws_the_figure_once(side_by_side, monkeypatch):
    draws = []
    original = type(side_by_side).draw
    monkeypatch.setattr(type(side_by_side), "draw", lambda self, renderer: (draws.append(1), original(self, renderer)))
    engine = side_by_side.get_layout_engine()
    figure_html(side_by_side)
    assert len(draws) == 2  # the layout runs without drawing; savefig alone would draw twice per rendition
    assert side_by_side.get_layout_engine() is engine  # switched off for the draw, restored afterwards
