"""What the bytes of an upload really are: their type sniffed from the content (not the name
or the declared type), and for images a decode under a decompression-bomb guard, the EXIF
capture time and place, and a thumbnail with EXIF stripped (for the portal and the report)."""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PIL import ExifTags, Image, UnidentifiedImageError

from media.png import MAX_PIXELS, PngWalk

# What one decode may hold in memory (Pillow keeps RGB as 4 bytes a pixel): 16 megapixels.
DECODE_BUDGET = 64 << 20
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "LA": 4, "RGB": 4, "RGBA": 4}
THUMBNAIL_EDGE = 320
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"MZ", "application/x-msdownload"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"PK\x03\x04", "application/zip"),
)
_FTYP_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"qt  ": "video/quicktime",
}


@dataclass
class Inspection:
    content_type: str  # sniffed; "" when unknown
    problem: str = ""  # why it cannot be evidence; "" when fine
    width: int = 0
    height: int = 0
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    thumbnail: bytes = b""
    details: dict[str, Any] = field(default_factory=dict)


def sniff(head: bytes) -> str:
    """The type the first bytes announce."""
    for offset, signature, content_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "video/mp4")
    return ""


def inspect_image(data: bytes, content_type: str) -> Inspection:
    """Decode an image fully (a truncated or forged file fails here) under the pixel guard and
    within the memory budget: a JPEG is decoded at the scale its thumbnail needs (every byte
    still decoded); a PNG too large for the budget is checked chunk by chunk without its
    pixels and gets no thumbnail; any other image too large for it is refused."""
    found = Inspection(content_type)
    try:
        # The pixel guard is checked on the header, before anything is decoded (runs in a
        # worker thread: no process-wide warning filters here).
        with Image.open(io.BytesIO(data)) as probe:
            _guard(probe.size)
            probe.verify()
            found.width, found.height = probe.size
            decoded = probe.width * probe.height * _BYTES_PER_PIXEL.get(probe.mode, 4)
        if decoded > DECODE_BUDGET and content_type != "image/jpeg":
            return _undecoded(data, found, decoded)
        with Image.open(io.BytesIO(data)) as image:
            if content_type == "image/jpeg":
                image.draft("RGB", (THUMBNAIL_EDGE, THUMBNAIL_EDGE))  # DCT scaling on decode
            image.load()
            _read_exif(image, found)
            image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))  # in place: no full-size copy
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)  # no exif= argument: stripped
            found.thumbnail = out.getvalue()
    except (Image.DecompressionBombError, _TooLarge) as error:
        found.problem = f"the image is too large to decode safely ({error})"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        found.problem = f"the image cannot be decoded ({type(error).__name__}: {error})"
    return found


def _undecoded(data: bytes, found: Inspection, decoded: int) -> Inspection:
    """An image whose pixels would not fit the budget: a PNG is walked instead (every chunk,
    all of its image data inflated and counted, nothing kept); others are refused."""
    budget = f"{decoded >> 20} MiB decoded, the budget is {DECODE_BUDGET >> 20} MiB"
    if found.content_type != "image/png":
        found.problem = f"the image is too large to decode safely ({budget})"
        return found
    walk = PngWalk()
    walk.feed(data)
    if problem := walk.finish():
        found.problem = f"the image cannot be decoded (PNG: {problem})"
    else:
        found.details["thumbnail_skipped"] = f"too large to decode ({budget})"
    return found


class _TooLarge(Exception):
    pass


def _guard(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise _TooLarge(f"{width}x{height} pixels, at most {MAX_PIXELS:,}")


def _read_exif(image: Image.Image, found: Inspection) -> None:
    exif = image.getexif()
    if not exif:
        return
    taken = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal)
    if isinstance(taken, str):
        try:
            # EXIF has no time zone: the device's local time, kept as such (marked UTC-naive).
            found.captured_at = datetime.strptime(taken, "%Y:%m:%d %H:%M:%S").replace(tzinfo=UTC)
            found.details["exif_time_is_local"] = True
        except ValueError:
            pass
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if latitude is not None and longitude is not None:
        found.latitude, found.longitude = latitude, longitude


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return -result if ref in ("S", "W") else result
