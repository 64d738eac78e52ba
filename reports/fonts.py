"""The CJK font the PDF report embeds. The base image has none, and a PDF without one shows
Chinese as empty boxes, so a report is never made without it: the lookup fails with what to
install instead.

Looked for in order: ``FIELDOPS_REPORT_FONT`` (when set it must exist: a wrong path is a
mistake to fix, not a reason to pick another font), Debian's ``fonts-wqy-microhei`` where apt
installs it, and the same package unpacked into the virtualenv (``scripts/bootstrap`` does that
without root)."""

import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "fonts-wqy-microhei"
INSTALLED = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_PROJECT = Path(__file__).resolve().parent.parent
FACE = 0  # WenQuanYi Micro Hei; the collection's second face is its monospaced sibling
SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


class FontMissing(Exception):
    """No usable CJK font; the message says what to install or set."""


@dataclass(frozen=True, slots=True)
class Font:
    path: Path
    face: int  # the face of a collection (.ttc); 0 for a single font


def candidates() -> list[Path]:
    """Where the font is looked for when no setting names one."""
    unpacked = Path("fonts") / INSTALLED.relative_to("/")
    return [INSTALLED, _PROJECT / ".venv" / unpacked, Path(sys.prefix) / unpacked]


def find_font(setting: str = "") -> Font:
    """The font to embed, from the setting or the places the project's setup installs it."""
    if setting:
        path = Path(setting).expanduser()
        if not path.is_file():
            raise FontMissing(
                f"FIELDOPS_REPORT_FONT names {setting}, which is not a file: point it at a "
                "CJK TrueType/OpenType font (.ttf, .otf or .ttc), or unset it to use "
                f"{INSTALLED} ({PACKAGE})."
            )
        if path.suffix.lower() not in SUFFIXES:
            raise FontMissing(
                f"FIELDOPS_REPORT_FONT names {setting}: the report embeds a TrueType/OpenType "
                f"font, one of {', '.join(SUFFIXES)}."
            )
        return Font(path, FACE)
    for path in candidates():
        if path.is_file():
            return Font(path, FACE)
    raise FontMissing(
        "The PDF report needs a CJK font and none is installed: run scripts/bootstrap (it "
        f"installs the Debian package {PACKAGE}, or unpacks it into .venv/fonts without root), "
        f"or `apt-get install {PACKAGE}`, or set FIELDOPS_REPORT_FONT to a CJK .ttf/.otf/.ttc."
    )
