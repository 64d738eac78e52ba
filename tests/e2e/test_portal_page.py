# ruff: noqa: RUF001  (the customer and the engineer write Chinese, with its punctuation)
"""The customer's portal page in a real browser (Debian's Chromium, headless, at a phone's
width) against the real `fieldops serve`, as the README starts it: the customer opens the link
the dispatcher sent, reads the progress in Chinese (the glyphs drawn, not boxes), writes to the
engineer, sends a video whose first upload attempt is cut off (the page sends it again, its
bar reaching 100%) and a long one in parts whose second part is cut off (the page sends that
part again, never the first), and the staff API sees the message and both videos; once the
repair is closed the worker's PDF report is offered and downloads. Screenshots are kept under
``var/test-artifacts/`` (or ``$FIELDOPS_TEST_ARTIFACTS``)."""

import asyncio
import io
import os
import struct
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright, expect
from pypdf import PdfReader

from tests.e2e.test_iot_alarms import staff_token

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("FIELDOPS_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by scripts/bootstrap (never downloaded)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "Chromium is missing: run scripts/bootstrap dev as root"
    return CHROMIUM


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


def video(size: int) -> bytes:
    """A well-formed MP4 of about ``size`` bytes (the server walks its boxes): ftyp, moov,
    mdat."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    header = box(b"ftyp", b"mp42\0\0\0\0mp42isom") + box(b"moov", box(b"mvhd", bytes(100)))
    return header + box(b"mdat", os.urandom(size))


async def glyphs_drawn(page: Page, characters: str) -> bool:
    """Each character drawn on a canvas in the page's own font: with no CJK font every Han
    character is the same empty box, the same as an unassigned code point's."""
    drawings: list[str] = await page.evaluate(
        """(characters) => {
            const canvas = document.createElement("canvas");
            canvas.width = 64; canvas.height = 64;
            const context = canvas.getContext("2d");
            context.font = "48px " + getComputedStyle(document.body).fontFamily;
            return [...characters, "\\u0378"].map((character) => {
                context.clearRect(0, 0, 64, 64);
                context.fillText(character, 4, 52);
                return canvas.toDataURL();
            });
        }""",
        characters,
    )
    *drawn, box = drawings
    return len(set(drawn)) == len(drawn) and box not in drawn


async def test_a_customer_follows_writes_and_sends_a_video_then_gets_the_report(
    live_server: str, browser: Browser, artifacts: Path
) -> None:
    dispatcher, engineer = await staff_token(live_server), await staff_token(live_server, "eng.li")
    async with httpx.AsyncClient(base_url=f"{live_server}/api/v1", timeout=30) as api:

        async def call(headers: dict[str, str], method: str, path: str, **kwargs: Any) -> Any:
            response = await api.request(method, path, headers=headers, **kwargs)
            assert response.status_code < 300, f"{method} {path}: {response.text}"
            return response.json()

        me = await call(engineer, "GET", "/me")
        work_order = (
            await call(
                dispatcher,
                "POST",
                "/work-orders",
                json={"title": "冷库3号门封条漏冷", "type": "inspection", "priority": "P2"},
            )
        )["work_order"]
        wo = work_order["id"]
        await call(
            dispatcher,
            "POST",
            f"/work-orders/{wo}/transitions",
            json={"target": "assigned", "assignee_id": me["id"]},
        )
        issued = await call(
            dispatcher, "POST", f"/work-orders/{wo}/portal-links", json={"contact_name": "陈女士"}
        )
        link = f"{live_server}/p/{issued['token']}"

        context = await browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = await context.new_page()
        await page.goto(link)
        await page.wait_for_selector("#timeline")
        assert "已安排工程师" in await page.inner_text("#timeline")
        assert "冷库3号门封条漏冷" in await page.inner_text("#title")
        assert await glyphs_drawn(page, "冷库维修进度")
        await page.screenshot(path=str(artifacts / "portal-zh-assigned.png"), full_page=True)

        # A message to the engineer.
        await page.fill("#message-body", "门封条下方结霜，请带新的门封条。")
        await page.click("#message-send")
        await page.wait_for_selector("#message-list .message.mine")
        messages = await call(dispatcher, "GET", f"/work-orders/{wo}/messages")
        assert [m["body"] for m in messages["items"]] == ["门封条下方结霜，请带新的门封条。"]
        assert messages["items"][0]["author_side"] == "customer"

        # A video, its first upload attempt cut off: the page tries again and completes.
        cut: list[str] = []

        async def drop_first_upload(route: Route) -> None:
            if route.request.method == "PUT" and not cut:
                cut.append(route.request.url)
                await route.abort("connectionreset")
            else:
                await route.continue_()

        await page.route("**/media/**", drop_first_upload)
        small = video(300_000)
        await page.set_input_files(
            "#upload-input",
            files=[{"name": "fault.mp4", "mimeType": "video/mp4", "buffer": small}],
        )
        await expect(page.locator("#upload-status")).to_have_text("上传完成", timeout=30_000)
        assert cut, "the first upload attempt was not cut off"
        assert await page.get_attribute("#upload-progress", "value") == "100"
        assert await page.inner_text("#upload-percent") == "100%"
        await page.screenshot(path=str(artifacts / "portal-zh-uploaded.png"), full_page=True)

        # A video sent in parts (over 16 MiB), its second part cut off: the page reads the
        # session again and sends only what the store does not hold.
        await page.wait_for_timeout(1_000)  # the page reloads itself to list the first file
        await page.reload()
        puts: list[str] = []

        async def cut_second_put(route: Route) -> None:
            if route.request.method == "PUT":
                puts.append(route.request.url)
                if len(puts) == 2:
                    await route.abort("connectionreset")
                    return
            await route.continue_()

        await page.unroute("**/media/**")
        await page.route("**/media/**", cut_second_put)
        large = video(17 * 1024 * 1024)
        await page.set_input_files(
            "#upload-input",
            files=[{"name": "long.mp4", "mimeType": "video/mp4", "buffer": large}],
        )
        await expect(page.locator("#upload-status")).to_have_text("上传完成", timeout=60_000)
        assert await page.inner_text("#upload-percent") == "100%"
        assert len(puts) == 4, puts  # 3 parts, the second one twice; the first never again
        for _ in range(100):  # the server verifies each file (re-hash, type) before the ledger
            evidence = await call(engineer, "GET", f"/work-orders/{wo}/evidence")
            sizes = [entry["size"] for entry in evidence["entries"]]
            if len(large) in sizes:
                break
            await asyncio.sleep(0.2)
        assert len(small) in sizes
        assert len(large) in sizes

        # The engineer replies; the customer sees it.
        await call(
            engineer,
            "POST",
            f"/work-orders/{wo}/messages",
            json={"id": str(uuid.uuid4()), "body": "收到，明早九点到。"},
        )
        await page.reload()
        await page.wait_for_selector("#message-list .message.theirs")
        assert "收到，明早九点到。" in await page.inner_text("#message-list")

        # The repair runs its course; staff write the root cause; the dispatcher closes it.
        for target in ("accepted", "en_route", "on_site", "in_progress"):
            await call(engineer, "POST", f"/work-orders/{wo}/transitions", json={"target": target})
        await call(
            engineer,
            "PUT",
            f"/work-orders/{wo}/report",
            json={"root_cause": "门封条老化开裂，冷气外泄。", "prevention": "每季度检查门封条。"},
        )
        await call(engineer, "POST", f"/work-orders/{wo}/transitions", json={"target": "resolved"})
        for target in ("verified", "closed"):
            await call(
                dispatcher, "POST", f"/work-orders/{wo}/transitions", json={"target": target}
            )

        for _ in range(100):  # the worker renders the report after the close
            await page.reload()
            if await page.query_selector("#report-link"):
                break
            await page.wait_for_timeout(200)
        href = await page.get_attribute("#report-link", "href")
        assert href is not None
        await page.screenshot(path=str(artifacts / "portal-zh-closed.png"), full_page=True)
        pdf = await page.request.get(f"{live_server}{href}")
        assert pdf.status == 200
        assert pdf.headers["content-type"] == "application/pdf"
        body = await pdf.body()
        (artifacts / "report.pdf").write_bytes(body)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
        assert "维修完成报告" in text
        assert "门封条老化开裂" in text
        await context.close()
