"""Text measured once per look while report figures are laid out and drawn.

Matplotlib measures a text (font lookup, font tables, glyph metrics,
alignment) every time anyone asks for its extent, and the layout engine, the
phone crop and the draw ask again and again for the same tick labels and
titles: about a fifth of the time to draw a report figure. Matplotlib caches
only the glyph metrics, and only per renderer object, so each new figure, each
rendition and each SVG file starts cold.

:func:`cached_text_layout` memoises ``Text._get_layout`` (the one private
Matplotlib method behind every text extent and text draw) on everything its
result depends on: the string, the font, size, rotation, alignment, line
spacing, math parsing, the renderer's kind and resolution and the hinting
settings (fonts compare by their hash, as Matplotlib's own ``FontProperties``
equality does). Wrapped and TeX texts are measured as usual. The same figure drawn
with and without the cache gives byte-identical SVG (tested).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text

__all__ = ["cached_text_layout"]

_CACHE: dict[tuple, tuple] = {}
_CACHE_LIMIT = 50_000
"""Entries kept across figures (a report figure has a few hundred texts); the cache starts over beyond it."""
_active = 0


def _key(text: Text, renderer: RendererBase, settings: tuple) -> tuple | None:
    if text.get_wrap() or text.get_usetex():
        return None  # wrapping depends on the text's position in the figure; TeX on external tools
    return (type(renderer), getattr(renderer, "dpi", None), text.get_figure(root=True).dpi, settings,
            text.get_text(), hash(text.get_fontproperties()), text.get_parse_math(), text.get_rotation(),
            text.get_rotation_mode(), text.get_horizontalalignment(), text.get_verticalalignment(),
            text._get_multialignment(), text.get_linespacing())


@contextmanager
def cached_text_layout() -> Iterator[None]:
    """Within this context, each distinct text look is measured once (see the module docstring); re-entrant."""
    global _active
    if _active:
        _active += 1
        try:
            yield
        finally:
            _active -= 1
        return
    original = Text._get_layout
    settings = (matplotlib.rcParams["text.hinting"], matplotlib.rcParams["text.hinting_factor"],
                matplotlib.rcParams["text.antialiased"])

    def layout(self: Text, renderer: RendererBase):
        key = _key(self, renderer, settings)
        if key is None:
            return original(self, renderer)
        hit = _CACHE.get(key)
        if hit is None:
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            hit = _CACHE[key] = original(self, renderer)
        bbox, lines, box = hit
        return bbox.frozen(), list(lines), box

    Text._get_layout = layout
    _active = 1
    try:
        yield
    finally:
        _active = 0
        Text._get_layout = original
