# ruff: noqa: RUF001  (Chinese punctuation is the point of the texts)
"""The report's PDF as the pure function makes it: the tenant's language, the fields staff
wrote (or what they did not), the pictures, and a CJK font embedded so Chinese is text, not
boxes; and the font lookup that refuses to make a report without one."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from mobile_contract.reports import PartUsed
from reports import fonts
from reports.fonts import FontMissing, find_font
from reports.render import MAX_PHOTOS, Milestone, ReportContent, Step, render
from tests.reports.factories import PREVENTION, ROOT_CAUSE, pdf_images, pdf_text

NOW = datetime(2026, 12, 6, 8, 30, tzinfo=UTC)


def photo(shade: int) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (1600, 1200), (shade, 120, 200))
    ImageDraw.Draw(image).ellipse((200, 200, 1400, 1000), fill=(200, 40, 40))
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def signature() -> bytes:
    """Black strokes on a transparent pad, as a signature pad exports them."""
    out = io.BytesIO()
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line((20, 150, 200, 40, 400, 160, 580, 30), fill=(0, 0, 0, 255), width=6)
    image.save(out, "PNG")
    return out.getvalue()


def content(**changes: Any) -> ReportContent:
    values: dict[str, Any] = {
        "locale": "zh-CN",
        "tenant_name": "冷链服务有限公司",
        "number": "WO-2026-000123",
        "title": "冷库温度过高",
        "description": "冷库温度升到 -5°C，压缩机不停机。",
        "generated_at": NOW,
        "time_zone": "Asia/Shanghai",
        "customer": "冷链食品公司",
        "site": "一号冷库, 上海市浦东新区",
        "asset": "冷风机 (CS-FR-0012, CS-9)",
        "engineer": "李工",
        "root_cause": ROOT_CAUSE,
        "prevention": PREVENTION,
        "parts_used": [PartUsed(name="启动电容 35µF", quantity=1, note="P/N C-35")],
        "steps": [Step(at=NOW - timedelta(hours=2), author="李工", body="更换启动电容。")],
        "milestones": [
            Milestone(kind="created", at=NOW - timedelta(hours=5)),
            Milestone(kind="assigned", at=NOW - timedelta(hours=4), who="李工"),
            Milestone(kind="closed", at=NOW),
        ],
    }
    return ReportContent(**{**values, **changes})


def test_a_chinese_tenant_gets_the_chinese_report_with_the_root_cause() -> None:
    text = pdf_text(render(content(), find_font()))
    assert "维修完成报告" in text
    for shown in (
        "WO-2026-000123",
        ROOT_CAUSE,
        PREVENTION,
        "启动电容 35µF",
        "更换启动电容。",
        "冷链食品公司",
        "派工给 李工",
        "2026-12-06 16:30",  # closed, in the site's time zone (UTC+8)
    ):
        assert shown in text, shown
    assert "未填写" not in text


def test_an_english_tenant_gets_the_english_report() -> None:
    text = pdf_text(
        render(content(locale="en", root_cause="The start capacitor aged."), find_font())
    )
    assert "Repair report" in text
    assert "The start capacitor aged." in text
    assert "Assigned to 李工" in text
    assert "维修完成报告" not in text


def test_what_staff_did_not_write_is_said_in_its_place() -> None:
    chinese = pdf_text(render(content(root_cause="", prevention="  "), find_font()))
    assert "未填写：根本原因" in chinese
    assert "未填写：预防建议" in chinese
    english = pdf_text(render(content(locale="en", root_cause="", parts_used=[]), find_font()))
    assert "Not recorded: root cause" in english
    assert "Not recorded: prevention" not in english
    assert "No parts were used" in english


def test_the_cjk_font_is_embedded() -> None:
    reader = PdfReader(io.BytesIO(render(content(), find_font())))
    fonts_used = reader.pages[0]["/Resources"]["/Font"]
    embedded = []
    for reference in fonts_used.values():
        font = reference.get_object()
        assert font["/Subtype"] == "/Type0"  # a composite (CID) font: Chinese as text
        (descendant,) = font["/DescendantFonts"]
        descriptor = descendant.get_object()["/FontDescriptor"].get_object()
        embedded.append("/FontFile2" in descriptor and "WenQuanYi" in str(font["/BaseFont"]))
    assert embedded
    assert all(embedded)


def test_photos_at_most_six_and_the_signature_are_pictures_in_it() -> None:
    many = [photo(shade) for shade in range(0, 240, 30)]  # eight
    data = render(content(photos=many, photos_total=len(many), signature=signature()), find_font())
    assert pdf_images(data) == MAX_PHOTOS + 1
    assert "另有 2 张照片未列出" in pdf_text(data)
    # A picture that cannot be decoded is left out, never a failed report.
    broken = render(content(photos=[b"not an image"], signature=b"\x89PNG broken"), find_font())
    assert pdf_images(broken) == 0
    assert "未采集客户签名" in pdf_text(broken)


def test_an_unknown_time_zone_reads_as_utc() -> None:
    text = pdf_text(render(content(time_zone="Mars/Olympus"), find_font()))
    assert "2026-12-06 08:30" in text
    assert "UTC" in text


def test_the_font_comes_from_the_setting_first(tmp_path: Path) -> None:
    installed = find_font()
    assert find_font(str(installed.path)).path == installed.path
    with pytest.raises(FontMissing, match=r"FIELDOPS_REPORT_FONT names .*not a file"):
        find_font(str(tmp_path / "missing.ttf"))
    (tmp_path / "font.woff").write_bytes(b"x")
    with pytest.raises(FontMissing, match="TrueType/OpenType"):
        find_font(str(tmp_path / "font.woff"))


def test_without_a_font_the_error_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(fonts, "candidates", lambda: [tmp_path / "none.ttc"])
    with pytest.raises(FontMissing) as missing:
        find_font()
    assert "fonts-wqy-microhei" in str(missing.value)
    assert "scripts/bootstrap" in str(missing.value)
    unpacked = tmp_path / "wqy.ttc"
    unpacked.write_bytes(b"x")  # found by its path, not opened by the lookup
    monkeypatch.setattr(fonts, "candidates", lambda: [tmp_path / "none.ttc", unpacked])
    assert find_font().path == unpacked


def test_the_setup_s_unpacked_font_is_one_of_the_places_looked_at() -> None:
    relative = Path("fonts/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    assert any(str(path).endswith(str(Path(".venv") / relative)) for path in fonts.candidates())
    assert fonts.INSTALLED in fonts.candidates()
