"""Staff profile photos: re-encoded as a small square JPEG without the original's metadata,
refused when they are not images or too large, shown to colleagues of the tenant only, and on
the customer's portal page only while that engineer handles the repair."""

import io
import struct
import zlib

from PIL import Image

from tests.factories import World


def photo_with_location(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG carrying EXIF with a GPS position and a camera make."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def huge_png_header() -> bytes:
    """A PNG whose header claims 20,000 x 20,000 pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10))


async def put_photo(world: World, who: str, body: bytes, content_type: str, expect: int) -> dict:
    response = await world.call(
        who,
        "PUT",
        "/api/v1/me/photo",
        content=body,
        headers={"Content-Type": content_type},
        expect=expect,
    )
    return dict(response.json()) if response.content else {}


async def test_a_photo_is_kept_as_a_small_square_without_its_metadata(
    world: World, other_world: World
) -> None:
    original = photo_with_location()
    assert b"PhoneMaker" in original
    saved = await put_photo(world, "eng_a", original, "image/jpeg", 200)
    assert saved["user_id"] == str(world.users["eng_a"])
    url = f"/api/v1/users/{world.users['eng_a']}/photo"
    shown = await world.call("dispatcher", "GET", url, expect=200)
    assert shown.headers["content-type"] == "image/jpeg"
    assert len(shown.content) == saved["size"]
    with Image.open(io.BytesIO(shown.content)) as image:
        assert (image.format, image.size) == ("JPEG", (256, 256))
        assert not image.getexif()
    assert b"PhoneMaker" not in shown.content
    # A PNG replaces it; another tenant never sees it.
    png = io.BytesIO()
    Image.new("RGB", (300, 900), (0, 90, 200)).save(png, "PNG")
    replaced = await put_photo(world, "eng_a", png.getvalue(), "image/png", 200)
    assert replaced["sha256"] != saved["sha256"]
    await other_world.call("dispatcher", "GET", url, expect=404)
    await world.call("eng_a", "DELETE", "/api/v1/me/photo", expect=204)
    await world.call("dispatcher", "GET", url, expect=404)


async def test_what_is_not_a_usable_image_is_refused(world: World) -> None:
    refused = await put_photo(world, "eng_a", b"hello", "text/plain", 415)
    assert refused["error"]["code"] == "unsupported_media_type"
    refused = await put_photo(world, "eng_a", b"not a jpeg at all", "image/jpeg", 422)
    assert refused["error"]["details"]["field"] == "body"
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    await put_photo(world, "eng_a", png.getvalue(), "image/jpeg", 422)  # says JPEG, is a PNG
    bomb = await put_photo(world, "eng_a", huge_png_header(), "image/png", 413)
    assert bomb["error"]["code"] == "payload_too_large"
    await put_photo(world, "eng_a", b"\xff" * (5 * 1024 * 1024 + 10), "image/jpeg", 413)
    await world.call("dispatcher", "GET", f"/api/v1/users/{world.users['eng_a']}/photo", expect=404)


async def test_the_portal_page_shows_the_handlers_photo_only_while_they_handle_it(
    world: World,
) -> None:
    await put_photo(world, "eng_a", photo_with_location(), "image/jpeg", 200)
    wo = await world.create_work_order()
    url = f"/api/v1/work-orders/{wo['id']}/portal-links"
    token = (await world.call("dispatcher", "POST", url, json={}, expect=201)).json()["token"]
    assert (await world.client.get(f"/p/{token}/handler.jpg")).status_code == 404
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    page = await world.client.get(f"/p/{token}")
    assert f'src="/p/{token}/handler.jpg"' in page.text
    photo = await world.client.get(f"/p/{token}/handler.jpg")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["referrer-policy"] == "no-referrer"
    assert (await world.client.get(f"/p/{token}x/handler.jpg")).status_code == 404
