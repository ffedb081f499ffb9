"""Fonts for carebook's PDFs: text in every script its patients and clinics write in.

`UnicodePDF` is an `fpdf.FPDF` whose text font is Noto Sans (Latin, Greek, Cyrillic, ₹), shaped
by HarfBuzz (`set_text_shaping`, through uharfbuzz), with a Noto font per script as fallback,
looked for glyph by glyph (`set_fallback_fonts`): Devanagari, Bengali, Tamil, Arabic (right to
left, laid out in visual order by fpdf2's bidi) and monochrome Noto Emoji. The fonts ship in
`fonts/` beside this file (OFL-1.1; `fonts/README.md` says where each came from), so a fresh
machine needs nothing installed; fpdf2 embeds only the glyphs a document uses.

    pdf = UnicodePDF(format="A4")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 12)  # "", "B" or "I"
    pdf.multi_cell(0, 6, "Billed to: अनिल कुमार")

A font is read only when a document first needs it: Noto Sans in the style `set_font` asks for,
a script's font when a character is missing from Noto Sans (`get_fallback_font`, fpdf2's hook),
in the same weight when shipped. A Latin-only invoice so reads two fonts, not twelve.

Where fpdf2 (2.8) falls short, `UnicodePDF` steps in; these lean on fpdf2's internals
(`OutputProducer._add_fonts`, `FPDF._set_font_for_page`), and the PDF tests catch an upgrade
that changes them:

- When HarfBuzz draws one cluster with several glyphs (Devanagari "कि" is the i-sign drawn
  before "क"), fpdf2 maps the cluster's text to the first glyph and leaves the others out of the
  font's ToUnicode map, so extractors print each one as its raw code: a stray letter or control
  character inside the word. `UnicodePDF.output` maps them to no text, so copying, searching and
  extracting give the words as written.
- A line that starts in a fallback font (an address in Devanagari) made fpdf2 set the page's
  font where it is lost again, and the next line print with no font: viewers drop it.
  `_set_font_for_page` sets it where it stays.
- In italics, which no script font but Noto Sans has, fpdf2 takes whichever style of the script
  was registered first (bold, say); `get_fallback_font` takes the regular.

The few characters no shipped font has (arrows, ★) are spelt plainly, as the core-font PDFs did,
instead of printing an empty box.
"""

import logging
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# fontTools narrates each subset it makes (fpdf2 embeds every font as a subset) at INFO, some
# thirty lines a document; its warnings still come through.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

# The family documents set with `set_font`.
FAMILY = "NotoSans"

# family -> {style: file}. The main family first; then the fallbacks, in the order a missing
# glyph is looked for.
FONTS: dict[str, dict[str, str]] = {
    FAMILY: {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf", "I": "NotoSans-Italic.ttf"},
    "NotoSansDevanagari": {
        "": "NotoSansDevanagari-Regular.ttf",
        "B": "NotoSansDevanagari-Bold.ttf",
    },
    "NotoSansBengali": {"": "NotoSansBengali-Regular.ttf", "B": "NotoSansBengali-Bold.ttf"},
    "NotoSansTamil": {"": "NotoSansTamil-Regular.ttf", "B": "NotoSansTamil-Bold.ttf"},
    "NotoNaskhArabic": {"": "NotoNaskhArabic-Regular.ttf", "B": "NotoNaskhArabic-Bold.ttf"},
    "NotoEmoji": {"": "NotoEmoji-Regular.ttf"},
}
FALLBACKS = [family for family in FONTS if family != FAMILY]

# Characters in none of the fonts above, spelt as the core-font PDFs spelt them.
PLAIN = {"←": "<-", "→": "->", "★": "*"}


@cache
def _coverage(family: str) -> frozenset[int]:
    """The code points the family's regular font draws (read once per process)."""
    font = TTFont(FONT_DIR / FONTS[family][""], lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@lru_cache(maxsize=4096)
def fallback_family(codepoint: int) -> str | None:
    """The first fallback family that draws `codepoint`, or None."""
    return next((f for f in FALLBACKS if codepoint in _coverage(f)), None)


def _style(family: str, style: str) -> str:
    """The shipped style of `family` closest to `style` ("BI" → "B" → "")."""
    style = "".join(sorted(c for c in style.upper() if c in "BI"))
    for candidate in (style, style.replace("I", ""), ""):
        if candidate in FONTS[family]:
            return candidate
    return ""


class _TextMappedOutput(OutputProducer):
    """fpdf2's writer, with every glyph that carries no text of its own mapped to no text."""

    def _add_fonts(self, *args, **kwargs):
        font_objs = super()._add_fonts(*args, **kwargs)
        for font in self.fpdf.fonts.values():
            to_unicode = getattr(font_objs.get(font.i), "to_unicode", None)
            if not isinstance(font, TTFFont) or to_unicode is None:
                continue
            silent = sorted(
                code
                for glyph, code in font.subset.items()
                if glyph is not None and not glyph.unicode
            )
            if silent:
                _map_to_no_text(to_unicode, silent)
        return font_objs


def _map_to_no_text(to_unicode, codes: list[int]) -> None:
    """Add `codes` to a ToUnicode CMap stream, each standing for no text (in blocks of at most
    100 entries, as the CMap format asks)."""
    entries = [f"<{code:04X}> <>\n" for code in codes]
    blocks = "".join(
        f"{len(chunk)} beginbfchar\n{''.join(chunk)}endbfchar\n"
        for chunk in (entries[i : i + 100] for i in range(0, len(entries), 100))
    )
    stream = to_unicode.content_stream()
    stream = stream.replace(b"endcmap\n", blocks.encode("ascii") + b"endcmap\n", 1)
    to_unicode._contents = stream  # fpdf2 writes ToUnicode streams uncompressed
    to_unicode.length = len(stream)


class UnicodePDF(FPDF):
    """An FPDF drawing text in Noto fonts, shaped, with per-glyph fallbacks (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded: set[tuple[str, str]] = set()
        self.set_text_shaping(True)
        self.load_font(FAMILY, "")

    def load_font(self, family: str, style: str = "") -> str:
        """Register `family` in the shipped style closest to `style`; return that style."""
        style = _style(family, style)
        if (family, style) not in self._loaded:
            self.add_font(family, style, FONT_DIR / FONTS[family][style])
            self._loaded.add((family, style))
            if family != FAMILY:
                loaded = {f for f, _ in self._loaded}
                self.set_fallback_fonts([f for f in FALLBACKS if f in loaded], exact_match=False)
        return style

    def set_font(self, family=None, style="", size=0):
        if family and family.lower() == FAMILY.lower() and isinstance(style, str):
            self.load_font(FAMILY, style)
        super().set_font(family, style, size)

    def get_fallback_font(self, char: str, style: str = ""):
        family = fallback_family(ord(char))
        if family:
            # The weight asked for, upright when the family has no italic (fpdf2's own pick,
            # with no exact match, is whichever style was registered first: bold, say).
            fontkey = family.lower() + self.load_font(family, style)
            if ord(char) in self.fonts[fontkey].cmap:
                return fontkey
        return super().get_fallback_font(char, style)

    def _set_font_for_page(self, font, font_size_pt, wrap_in_text_object=True):
        if not wrap_in_text_object and not self.current_font_is_set_on_page:
            # fpdf2 2.8, on a line whose first glyphs come from a fallback font, sets the page's
            # font inside that line's text object, which it may wrap in q/Q, yet counts the font
            # as set: the next line then shows text with no font ("No font in show") and
            # viewers drop it. Set it on the page as well, outside the line.
            self._out(super()._set_font_for_page(font, font_size_pt))
        return super()._set_font_for_page(font, font_size_pt, wrap_in_text_object)

    def normalize_text(self, text: str) -> str:
        for char, plain in PLAIN.items():
            text = text.replace(char, plain)
        return super().normalize_text(text)

    def output(self, name="", *, linearize=False, output_producer_class=_TextMappedOutput):
        return super().output(
            name, linearize=linearize, output_producer_class=output_producer_class
        )
