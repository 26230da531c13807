"""Draws Saglam's one-glyph font: the manat sign ₼ (U+20BC), which many system fonts lack.

The web UI's stylesheet uses it for that one character only (``unicode-range``), so money reads
``1.234,50 ₼`` on every machine. Run ``python tools/manat_font.py`` to write
src/saglam/web/static/fonts/saglam-manat.ttf again; the output is the same bytes every time.
The outline is Saglam's own drawing (an arch with a stem through it), free like the rest.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

TARGET = Path(__file__).resolve().parents[1] / "src/saglam/web/static/fonts/saglam-manat.ttf"
EM, WIDTH, STROKE = 1000, 720, 84
EPOCH = 3_850_000_000  # a fixed timestamp (seconds since 1904), so the file is reproducible


def _manat() -> Any:
    pen = TTGlyphPen(None)
    left, right, top, shoulder = 80, WIDTH - 80, 560, 250
    middle = WIDTH // 2
    # The arch, outer edge up and over, inner edge back (clockwise, one contour).
    pen.moveTo((left, 0))
    pen.lineTo((left, shoulder))
    pen.qCurveTo((left, top), (middle, top))
    pen.qCurveTo((right, top), (right, shoulder))
    pen.lineTo((right, 0))
    pen.lineTo((right - STROKE, 0))
    pen.lineTo((right - STROKE, shoulder))
    pen.qCurveTo((right - STROKE, top - STROKE), (middle, top - STROKE))
    pen.qCurveTo((left + STROKE, top - STROKE), (left + STROKE, shoulder))
    pen.lineTo((left + STROKE, 0))
    pen.closePath()
    # The stem, from the baseline to above the arch.
    half = STROKE // 2
    pen.moveTo((middle - half, 0))
    pen.lineTo((middle - half, 700))
    pen.lineTo((middle + half, 700))
    pen.lineTo((middle + half, 0))
    pen.closePath()
    return pen.glyph()


def _notdef() -> Any:
    pen = TTGlyphPen(None)
    return pen.glyph()


def build() -> bytes:
    builder = FontBuilder(EM, isTTF=True)
    builder.setupGlyphOrder([".notdef", "manat"])
    builder.setupCharacterMap({0x20BC: "manat"})
    builder.setupGlyf({".notdef": _notdef(), "manat": _manat()})
    builder.setupHorizontalMetrics({".notdef": (WIDTH, 0), "manat": (WIDTH, 80)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Saglam Manat", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.updateHead(created=EPOCH, modified=EPOCH)
    out = io.BytesIO()
    builder.font.save(out)
    return out.getvalue()


if __name__ == "__main__":
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(build())
    sys.stdout.write(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)\n")
