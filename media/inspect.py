"""What the bytes of an upload really are: their type sniffed from the content (not the name
or the declared type), and for images a decode under a decompression-bomb guard, the EXIF
capture time and place, and a thumbnail with EXIF stripped (for the portal and the report)."""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PIL import ExifTags, Image, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; decompression bombs are far beyond
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
    """Decode an image fully (a truncated or forged file fails here) under the pixel guard."""
    found = Inspection(content_type)
    try:
        # The pixel guard is checked on the header, before anything is decoded (runs in a
        # worker thread: no process-wide warning filters here).
        with Image.open(io.BytesIO(data)) as probe:
            _guard(probe.size)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            found.width, found.height = image.size
            _read_exif(image, found)
            thumbnail = image.convert("RGB")
            thumbnail.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            out = io.BytesIO()
            thumbnail.save(out, "JPEG", quality=80)  # no exif= argument: EXIF stripped
            found.thumbnail = out.getvalue()
    except (Image.DecompressionBombError, _TooLarge) as error:
        found.problem = f"the image is too large to decode safely ({error})"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        found.problem = f"the image cannot be decoded ({type(error).__name__}: {error})"
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
