"""The report as a PDF: data in, bytes out. Nothing here reads the database or the object store
(``reports.content`` gathers what it shows), so tests call it directly; the font file is the
one thing it opens. CPU-bound: the worker runs it in a thread.

The CJK font is embedded (fpdf2 embeds the subset of glyphs the report uses), so the PDF shows
the same on a phone that has no Chinese font at all.
"""

import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from PIL import Image, UnidentifiedImageError

from kernel.clock import zone_named
from mobile_contract.reports import PartUsed
from reports.fonts import Font
from reports.texts import Texts, language, lower_first, texts_for

FAMILY = "cjk"
MAX_PHOTOS = 6
PHOTO_EDGE = 480  # pixels: sharp at the printed size (a third of the page's width)
SIGNATURE_BOX = (600, 240)  # pixels, at most
INK, MUTED, ACCENT, WARNING = (33, 33, 33), (110, 110, 110), (21, 101, 192), (183, 28, 28)
_IMAGE_PROBLEMS = (UnidentifiedImageError, OSError, SyntaxError, ValueError)
# fontTools, subsetting the font for each report, tells of every table at INFO: no news.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class Step:
    """A note staff wrote while working on it."""

    at: datetime
    author: str
    body: str


@dataclass(frozen=True, slots=True)
class Milestone:
    """A step of the work order's life the customer cares about (``reports.texts``
    ``milestones``); ``who`` is the engineer it was assigned to, for ``assigned``."""

    kind: str
    at: datetime
    who: str = ""


@dataclass(frozen=True, slots=True)
class ReportContent:
    locale: str  # the tenant's: the report's language
    tenant_name: str
    number: str
    title: str
    description: str
    generated_at: datetime
    time_zone: str = "UTC"  # the site's, for every time shown
    customer: str = ""
    site: str = ""
    asset: str = ""
    engineer: str = ""
    root_cause: str = ""
    prevention: str = ""
    parts_used: list[PartUsed] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    photos: list[bytes] = field(default_factory=list)  # images, the first MAX_PHOTOS shown
    photos_total: int = 0  # the work order's photos, shown or not
    signature: bytes | None = None  # the customer's signature, an image


def render(content: ReportContent, font: Font) -> bytes:
    """The report's PDF."""
    texts = texts_for(content.locale)
    zone = zone_named(content.time_zone)
    pdf = _Document(texts)
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.face)
    pdf.set_lang(language(content.locale))
    pdf.set_title(f"{texts.title} {content.number}")
    pdf.set_author(content.tenant_name)
    pdf.set_creator("fieldops")
    pdf.set_creation_date(content.generated_at.astimezone(UTC))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    _heading(pdf, content, texts, zone)
    _overview(pdf, content, texts)
    _section(pdf, texts.symptom)
    _paragraph(pdf, content.title, size=11)
    if content.description.strip():
        _paragraph(pdf, content.description)
    _written(pdf, texts.root_cause, content.root_cause, texts, content.locale)
    _steps(pdf, content, texts, zone)
    _parts(pdf, content.parts_used, texts)
    _written(pdf, texts.prevention, content.prevention, texts, content.locale)
    _photos(pdf, content, texts)
    _timeline(pdf, content.milestones, texts, zone)
    _signature(pdf, content.signature, texts)
    return bytes(pdf.output())


class _Document(FPDF):
    def __init__(self, texts: Texts) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.texts = texts

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        page = self.texts.page.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 5, page, align="C")


def _time(moment: datetime, zone: ZoneInfo) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _plain(text: str) -> str:
    """Text as the page lays it out: lines kept, tabs and carriage returns made plain."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").strip()


def _heading(pdf: _Document, content: ReportContent, texts: Texts, zone: ZoneInfo) -> None:
    pdf.set_font(FAMILY, size=20)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 11, texts.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=11)
    pdf.set_text_color(*INK)
    pdf.cell(
        0, 6, f"{content.number}  ·  {content.tenant_name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(*MUTED)
    generated = texts.generated.format(time=_time(content.generated_at, zone), zone=zone.key)
    pdf.cell(0, 5, generated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*ACCENT)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(4)


def _overview(pdf: _Document, content: ReportContent, texts: Texts) -> None:
    rows = (
        (texts.work_order, content.number),
        (texts.customer, content.customer),
        (texts.site, content.site),
        (texts.asset, content.asset),
        (texts.engineer, content.engineer),
    )
    for label, value in rows:
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*MUTED)
        pdf.cell(28, 6, label)
        pdf.set_font(FAMILY, size=10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 6, _plain(value) or texts.none, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _section(pdf: _Document, label: str, *, keep: float = 20) -> None:
    """A section's heading, on the page of what follows it (``keep`` millimetres of it)."""
    if pdf.will_page_break(keep + 11):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FAMILY, size=13)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _paragraph(
    pdf: _Document, text: str, *, size: float = 10, color: tuple[int, ...] = INK
) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.55, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def _written(pdf: _Document, label: str, text: str, texts: Texts, locale: str) -> None:
    """A field staff write; where they did not, the report says so in its place."""
    _section(pdf, label)
    if text.strip():
        _paragraph(pdf, text)
    else:
        _paragraph(pdf, texts.not_recorded.format(field=lower_first(label, locale)), color=WARNING)


def _steps(pdf: _Document, content: ReportContent, texts: Texts, zone: ZoneInfo) -> None:
    _section(pdf, texts.steps)
    if not content.steps:
        _paragraph(pdf, texts.no_steps, color=MUTED)
    for number, step in enumerate(content.steps, start=1):
        byline = f"{number}.  {_time(step.at, zone)}" + (
            f"  ·  {step.author}" if step.author else ""
        )
        _paragraph(pdf, byline, size=8, color=MUTED)
        _paragraph(pdf, step.body)
        pdf.ln(1)


def _parts(pdf: _Document, parts: list[PartUsed], texts: Texts) -> None:
    _section(pdf, texts.parts)
    if not parts:
        _paragraph(pdf, texts.no_parts, color=MUTED)
        return
    pdf.set_font(FAMILY, size=10)
    with pdf.table(
        col_widths=(50, 15, 35),
        headings_style=FontFace(color=MUTED, size_pt=9),
        line_height=6,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        heading = table.row()
        for label in (texts.part_name, texts.part_quantity, texts.part_note):
            heading.cell(label)
        for part in parts:
            row = table.row()
            row.cell(part.name)
            row.cell(f"{part.quantity:g}")
            row.cell(part.note)


def _photos(pdf: _Document, content: ReportContent, texts: Texts) -> None:
    images = [image for image in map(_photo, content.photos[:MAX_PHOTOS]) if image is not None]
    gap, per_row = 4.0, 3
    width = (pdf.epw - gap * (per_row - 1)) / per_row
    first = max((width * image.height / image.width for image in images[:per_row]), default=0)
    _section(pdf, texts.photos, keep=first)
    if not images:
        _paragraph(pdf, texts.no_photos, color=MUTED)
    for start in range(0, len(images), per_row):
        row = images[start : start + per_row]
        height = max(width * image.height / image.width for image in row)
        if pdf.will_page_break(height + gap):
            pdf.add_page()
        top = pdf.get_y()
        for column, image in enumerate(row):
            x = pdf.l_margin + column * (width + gap)
            pdf.image(_jpeg(image), x=x, y=top, w=width, h=width * image.height / image.width)
        pdf.set_y(top + height + gap)
    hidden = max(content.photos_total, len(content.photos)) - len(images)
    if hidden > 0:
        _paragraph(pdf, texts.more_photos.format(count=hidden), size=8, color=MUTED)


def _photo(data: bytes) -> Image.Image | None:
    """The photo at the size it is printed at (an undecodable one is left out)."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (PHOTO_EDGE, PHOTO_EDGE))  # JPEG: decoded at a fitting scale
            image = opened.convert("RGB")
    except _IMAGE_PROBLEMS:
        return None
    image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
    return image


def _jpeg(image: Image.Image) -> io.BytesIO:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    out.seek(0)
    return out


def _timeline(pdf: _Document, milestones: list[Milestone], texts: Texts, zone: ZoneInfo) -> None:
    _section(pdf, texts.timeline)
    for milestone in milestones:
        label = texts.milestones.get(milestone.kind, milestone.kind).format(who=milestone.who)
        pdf.set_font(FAMILY, size=9)
        pdf.set_text_color(*MUTED)
        pdf.cell(34, 6, _time(milestone.at, zone))
        pdf.set_font(FAMILY, size=10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 6, label.strip(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature(pdf: _Document, data: bytes | None, texts: Texts) -> None:
    _section(pdf, texts.signature)
    image = _signature_image(data) if data else None
    if image is None:
        _paragraph(pdf, texts.no_signature, color=MUTED)
        return
    width = min(60.0, 25.0 * image.width / image.height)
    height = width * image.height / image.width
    if pdf.will_page_break(height):
        pdf.add_page()
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    pdf.image(out, x=pdf.l_margin, y=pdf.get_y(), w=width, h=height)
    pdf.set_y(pdf.get_y() + height + 2)
    pdf.set_draw_color(*MUTED)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 60, pdf.get_y())


def _signature_image(data: bytes) -> Image.Image | None:
    """Strokes on white: a transparent signature pad's PNG would otherwise print black."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("RGBA")
    except _IMAGE_PROBLEMS:
        return None
    image.thumbnail(SIGNATURE_BOX)
    paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(paper, image).convert("L")
