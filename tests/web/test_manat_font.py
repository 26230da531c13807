"""The shipped manat font is the one tools/manat_font.py draws, and it draws ₼ and only that."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "src/saglam/web/static/fonts/saglam-manat.ttf"


def test_the_font_maps_the_manat_sign_to_a_drawn_glyph() -> None:
    font = TTFont(str(FONT))
    assert font.getBestCmap() == {0x20BC: "manat"}
    glyph = font["glyf"]["manat"]
    assert glyph.numberOfContours == 2  # the arch and the stem
    assert font["name"].getDebugName(1) == "Saglam Manat"


def test_the_shipped_font_is_what_the_tool_draws() -> None:
    spec = importlib.util.spec_from_file_location("manat_font", ROOT / "tools/manat_font.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.build() == FONT.read_bytes()
