"""Container structure, checked as an upload streams through verification: the first bytes say
what a file claims to be, and a polyglot (a HEIC header followed by a Windows program, a PDF
with a ZIP after its end) passes that test. So each container is walked far enough to show
that the whole object is that container and nothing else:

- ISO-BMFF (HEIC/HEIF, MP4, QuickTime): the top-level boxes start with ``ftyp`` naming an
  acceptable brand and tile the object exactly (no trailing bytes, no box past the end);
- PDF: ``%PDF-`` header; ``startxref`` and ``%%EOF`` at the end (only whitespace after it),
  the offset pointing at an ``xref`` table (with its ``trailer``) or an xref stream object;
- PNG: chunk by chunk (see ``media.png``); WebP: the RIFF size is the object's size.

Every check keeps a bounded amount of state (a header, a window, the last few KiB).
"""

import re
import struct
from typing import Protocol

from media.png import PngWalk


class Check(Protocol):
    def feed(self, chunk: bytes) -> None: ...

    def finish(self) -> str:
        """Why the object is not a well-formed container; "" when it is."""
        ...


# ISO base media file format ------------------------------------------------------------------

HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
HEIF_BRANDS = HEIC_BRANDS | {b"mif1", b"msf1", b"mif2"}
MP4_BRANDS = frozenset(
    {b"isom", b"mp41", b"mp42", b"mp71", b"avc1", b"dash", b"cmfc", b"cmf2", b"msdh", b"msix"}
    | {b"iso%d" % n for n in range(2, 10)}
    | {b"M4V ", b"M4VH", b"M4VP", b"f4v ", b"mmp4", b"MSNV", b"XAVC", b"qt  "}
    | {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gg6", b"3g2a", b"3g2b", b"3g2c"}
)
BRANDS = {
    "image/heic": HEIC_BRANDS,
    "image/heif": HEIF_BRANDS,
    "video/mp4": MP4_BRANDS,
    "video/quicktime": frozenset({b"qt  "}),
}
REQUIRED_BOX = {"image/heic": b"meta", "image/heif": b"meta"}  # video: b"moov"
KNOWN_BOXES = frozenset(
    {b"ftyp", b"meta", b"moov", b"mdat", b"free", b"skip", b"uuid", b"moof", b"mfra"}
    | {b"wide", b"pdin", b"styp", b"sidx", b"ssix", b"prft", b"emsg", b"iinf", b"iloc"}
    | {b"idat", b"iref", b"pitm", b"iprp", b"pnot", b"PICT", b"meco", b"bloc", b"udta"}
)
MAX_FTYP = 4096
MAX_BOXES = 100_000  # top-level boxes: a fragmented hour of video has a few thousand
_UNKNOWN_BOX = re.compile(rb"[A-Za-z0-9 ]{4}")  # other top-level types, plain 4CCs only


class BoxWalk:
    """The top-level boxes of an ISO-BMFF file: 32-bit size and 4CC type; size 1 means a
    64-bit size follows, size 0 that the box runs to the end of the object."""

    def __init__(self, content_type: str) -> None:
        self.content_type, self.problem = content_type, ""
        self._brands = BRANDS[content_type]
        self._required = REQUIRED_BOX.get(content_type, b"moov")
        self._total = 0  # bytes fed
        self._next = 0  # where the next box header starts
        self._header = b""  # a header being read across chunks
        self._prefix = b""  # the first MAX_FTYP bytes, for the ftyp box
        self._boxes = 0
        self._seen: set[bytes] = set()
        self._to_end = False

    def feed(self, chunk: bytes) -> None:
        if len(self._prefix) < MAX_FTYP:
            self._prefix += chunk[: MAX_FTYP - len(self._prefix)]
        at, base = 0, self._total
        self._total += len(chunk)
        while at < len(chunk) and not self.problem and not self._to_end:
            if base + at < self._next:  # inside a box: skip to its end
                at = min(len(chunk), self._next - base)
                continue
            start = base + at - len(self._header)  # where this header begins
            want = 16 if self._header[:4] == b"\0\0\0\x01" else 8
            taken = chunk[at : at + want - len(self._header)]
            self._header += taken
            at += len(taken)
            if len(self._header) == 8 and self._header[:4] == b"\0\0\0\x01":
                continue  # a 64-bit size follows
            if len(self._header) == want:
                self._box(start, self._header)
                self._header = b""

    def _box(self, start: int, header: bytes) -> None:
        size, kind = struct.unpack_from(">I4s", header)
        if size == 1:
            (size,) = struct.unpack_from(">Q", header, 8)
        name = kind.decode("latin-1")
        self._boxes += 1
        if self._boxes == 1 and kind != b"ftyp":
            self.problem = f"its first box is {name!r}, not 'ftyp'"
        elif kind == b"ftyp" and self._boxes > 1:
            self.problem = f"a second 'ftyp' box at byte {start}"
        elif kind not in KNOWN_BOXES and not _UNKNOWN_BOX.fullmatch(kind):
            self.problem = f"bytes at {start} are no box (type {kind!r})"
        elif size == 0:
            self._to_end = True  # the last box: it runs to the end
        elif size < len(header):
            self.problem = f"the {name!r} box at byte {start} claims {size} bytes"
        elif self._boxes > MAX_BOXES:
            self.problem = f"more than {MAX_BOXES:,} top-level boxes"
        self._seen.add(kind)
        self._next = start + size

    def finish(self) -> str:
        if not self.problem:
            self.problem = self._ending() or self._ftyp() or self._contents()
        return self.problem

    def _ending(self) -> str:
        if self._to_end:
            return ""
        if self._total == 0:
            return "it is empty"
        if self._header:
            return f"{len(self._header)} bytes after the last box (trailing data)"
        if self._next > self._total:
            return f"the last box runs {self._next - self._total} bytes past the end"
        return ""

    def _ftyp(self) -> str:
        prefix = self._prefix
        (size,) = struct.unpack_from(">I", prefix) if len(prefix) >= 4 else (0,)
        if not 16 <= size <= MAX_FTYP or size % 4 or len(prefix) < size:
            return f"its 'ftyp' box is malformed ({size} bytes)"
        brands = {prefix[8:12]} | {prefix[at : at + 4] for at in range(16, size, 4)}
        if not brands & self._brands:
            named = ", ".join(sorted(b.decode("latin-1") for b in brands))
            return f"its brands ({named}) are not those of {self.content_type}"
        return ""

    def _contents(self) -> str:
        if self._required not in self._seen:
            return f"it has no {self._required.decode()!r} box"
        return ""


# PDF ------------------------------------------------------------------------------------------

PDF_TAIL = 4096  # where startxref and %%EOF must be (readers look in the last 1 KiB)
PDF_WINDOW = 4096  # look-back from /XRef to its object's header
MAX_XREFS = 10_000  # cross-reference sections and trailers recorded (incremental updates)
_MARGIN = 64  # bytes a keyword may reach past where a search stops
_WHITESPACE = b" \t\r\n\f\0"
_VERSION = re.compile(rb"%PDF-\d\.\d")
_WS = rb"[ \t\r\n\f\0]"
_KEYWORDS = {  # found with bytes.find (C speed), then checked where they stand
    b"xref": re.compile(rb"(?<![^\r\n])xref" + _WS),  # a table, at the start of a line
    b"trailer": re.compile(rb"(?<![^\r\n \t])trailer[ \t\r\n<]"),
    b"/XRef": re.compile(rb"/XRef(?![A-Za-z0-9])"),  # an xref stream's /Type
}
_TYPE_BEFORE = re.compile(rb"/Type" + _WS + rb"*\Z")
_OBJECT_BEFORE = re.compile(rb"(?<![0-9])\d{1,10}" + _WS + rb"+\d{1,5}" + _WS + rb"+obj\Z")
_STARTXREF = re.compile(rb"startxref[ \t\r\n\f\0]+(\d{1,12})[ \t\r\n\f\0]+%%EOF[ \t\r\n\f\0]*\Z")


class PdfCheck:
    """Records where cross-reference sections start as the bytes pass (a bounded list), then
    checks at the end that ``startxref`` names one of them."""

    def __init__(self) -> None:
        self.problem = ""
        self._head = b""
        self._tail = b""  # the last PDF_WINDOW bytes (and the end of the file at the end)
        self._total = 0
        self._scanned = 0  # offsets before this were searched
        self._tables: set[int] = set()
        self._streams: set[int] = set()
        self._trailers: list[int] = []
        self._keywords = 0

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < 16:
            self._head += chunk[: 16 - len(self._head)]
        buffer = self._tail + chunk
        base = self._total - len(self._tail)
        self._total += len(chunk)
        self._search(buffer, base, len(buffer) - _MARGIN)  # the last bytes wait for more
        self._tail = buffer[-max(PDF_WINDOW, PDF_TAIL) :]

    def _search(self, buffer: bytes, base: int, stop: int) -> None:
        """Keywords starting in [scanned, stop) of the object (they may end after stop)."""
        start = max(0, self._scanned - base)
        if stop <= start or self.problem:
            return
        for keyword, pattern in _KEYWORDS.items():
            end = stop + len(keyword) - 1  # a keyword starting before stop may end after it
            at = buffer.find(keyword, start, end)
            while at >= 0:
                if pattern.match(buffer, at):
                    self._keywords += 1
                    if self._keywords > MAX_XREFS:
                        self.problem = f"more than {MAX_XREFS:,} cross-reference sections"
                        return
                    self._record(keyword, buffer, base, at)
                at = buffer.find(keyword, at + 1, end)
        self._scanned = base + stop

    def _record(self, keyword: bytes, buffer: bytes, base: int, at: int) -> None:
        if keyword == b"xref":
            self._tables.add(base + at)
        elif keyword == b"trailer":
            self._trailers.append(base + at)
        elif _TYPE_BEFORE.search(buffer, max(0, at - 32), at):
            # An xref stream's dictionary: its object's header is the last one before it.
            header = buffer.rfind(b"obj", max(0, at - PDF_WINDOW), at)
            found = _OBJECT_BEFORE.search(buffer, max(0, header - 32), header + 3)
            if header >= 0 and found:
                self._streams.add(base + found.start())

    def finish(self) -> str:
        base = self._total - len(self._tail)
        self._search(self._tail + b"\n" * _MARGIN, base, len(self._tail))
        if self.problem:
            return self.problem
        if not _VERSION.match(self._head):
            return "it does not start with a PDF header (%PDF-n.n)"
        end = self._tail.rstrip(_WHITESPACE)
        if not end.endswith(b"%%EOF"):
            return "bytes follow its last %%EOF (or it has none)"
        found = _STARTXREF.search(self._tail[-PDF_TAIL:])
        if not found:
            return "it has no startxref before its last %%EOF"
        offset = int(found.group(1))
        startxref = base + max(0, len(self._tail) - PDF_TAIL) + found.start()
        if offset >= startxref:
            return f"its startxref ({offset}) points past the cross-reference section"
        if offset in self._streams:
            return ""
        if offset in self._tables:
            if any(offset < at < startxref for at in self._trailers):
                return ""
            return f"the xref table at byte {offset} has no trailer"
        return f"its startxref ({offset}) points at no cross-reference section"


# RIFF (WebP) ----------------------------------------------------------------------------------


class RiffCheck:
    """A RIFF file's header states its size: anything after it is not part of the image."""

    def __init__(self) -> None:
        self._head, self._total = b"", 0

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < 12:
            self._head += chunk[: 12 - len(self._head)]
        self._total += len(chunk)

    def finish(self) -> str:
        if len(self._head) < 12:
            return "it is shorter than a RIFF header"
        (size,) = struct.unpack_from("<I", self._head, 4)
        if size + 8 != self._total:
            return f"its RIFF header says {size + 8} bytes, the object has {self._total}"
        return ""


def check_for(content_type: str) -> Check | None:
    """The structure check of a sniffed type (None: the type has none here)."""
    if content_type in BRANDS:
        return BoxWalk(content_type)
    if content_type == "application/pdf":
        return PdfCheck()
    if content_type == "image/png":
        return PngWalk()
    if content_type == "image/webp":
        return RiffCheck()
    return None
