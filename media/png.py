"""A PNG checked chunk by chunk without decoding its pixels: every chunk's CRC, the IHDR, the
image data inflating to exactly the rows the header promises (each with a valid filter type),
IEND last and nothing after it.

It runs as the bytes stream through verification, so a PNG too large to decode within the
verifier's memory budget is still checked whole (Pillow would hold every pixel: ~190 MiB for
49 megapixels) and a PNG with something appended is refused. Memory stays bounded: one chunk
header, and the inflater's window and output (at most ``_OUTPUT`` bytes at a time).
"""

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHUNK = (1 << 31) - 1
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; decompression bombs are far beyond
MAX_CHUNKS = 100_000
_OUTPUT = 1 << 20  # inflated bytes looked at per step
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_PASSES = (  # Adam7: (x start, y start, x step, y step)
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def rows_of(width: int, height: int, depth: int, color: int, interlaced: bool) -> list[int]:
    """The length of every filtered row in the image data, in order (each with its filter
    byte); an interlaced image has seven passes of smaller rows."""
    bits = depth * _CHANNELS[color]
    passes = _PASSES if interlaced else ((0, 0, 1, 1),)
    rows: list[int] = []
    for x0, y0, dx, dy in passes:
        columns = (width - x0 + dx - 1) // dx if width > x0 else 0
        lines = (height - y0 + dy - 1) // dy if height > y0 else 0
        if columns and lines:
            rows += [1 + (columns * bits + 7) // 8] * lines
    return rows


class PngWalk:
    """Feed every chunk of the object in order, then ``finish()``."""

    def __init__(self) -> None:
        self.problem = ""
        self.width = self.height = 0
        self._total = 0
        self._pending = b""  # the signature, or a chunk header / CRC read across feeds
        self._state = "signature"  # then "header", "data", "crc", "end"
        self._kind = b""
        self._left = 0  # bytes of the current chunk's data still to come
        self._crc = 0
        self._chunks = 0
        self._inflater = zlib.decompressobj()
        self._rows: list[int] = []
        self._row = 0  # index of the row being read
        self._row_left = 0  # its bytes still to come (0: the next byte is a filter type)
        self._idat = "before"  # "before", "in", "after"
        self._ihdr_bytes = b""

    def feed(self, chunk: bytes) -> None:
        self._total += len(chunk)
        at = 0
        while at < len(chunk) and not self.problem:
            if self._state == "end":
                self.problem = "bytes follow its IEND chunk (trailing data)"
            elif self._state == "data":
                piece = chunk[at : at + self._left]
                at += len(piece)
                self._data(piece)
            else:
                need = {"signature": 8, "header": 8, "crc": 4}[self._state]
                piece = chunk[at : at + need - len(self._pending)]
                at += len(piece)
                self._pending += piece
                if len(self._pending) == need:
                    done, self._pending = self._pending, b""
                    self._step(done)

    def _step(self, done: bytes) -> None:
        if self._state == "signature":
            if done != SIGNATURE:
                self.problem = "it lacks the PNG signature"
            self._state = "header"
        elif self._state == "header":
            self._left, self._kind = struct.unpack(">I4s", done)
            self._crc = zlib.crc32(self._kind)
            self._chunks += 1
            self.problem = self._chunk_problem()
            self._state = "data" if self._left else "crc"
        else:  # crc
            if struct.unpack(">I", done)[0] != self._crc:
                self.problem = f"the CRC of its {self._kind.decode('latin-1')!r} chunk is wrong"
            elif self._kind == b"IEND":
                self._state = "end"
                self.problem = self._image_data_problem()
            else:
                self._state = "header"

    def _chunk_problem(self) -> str:
        kind, name = self._kind, self._kind.decode("latin-1")
        if not kind.isalpha() or not kind.isascii() or self._left > MAX_CHUNK:
            return f"a chunk of type {name!r} ({self._left} bytes) is no PNG chunk"
        if self._chunks > MAX_CHUNKS:
            return f"more than {MAX_CHUNKS:,} chunks"
        if (self._chunks == 1) != (kind == b"IHDR"):
            return "its first chunk is not IHDR" if self._chunks == 1 else "a second IHDR"
        if kind == b"IHDR" and self._left != 13:
            return "its IHDR chunk is malformed"
        if kind == b"IDAT":
            if self._idat == "after":
                return "its IDAT chunks are not consecutive"
            self._idat = "in"
        elif self._idat == "in":
            self._idat = "after"
        if kind == b"IEND" and self._left:
            return f"its {name} chunk has data"
        return ""

    def _data(self, piece: bytes) -> None:
        self._crc = zlib.crc32(piece, self._crc)
        self._left -= len(piece)
        if self._kind == b"IHDR":
            self._ihdr_bytes += piece
            if not self._left:
                self.problem = self._ihdr(self._ihdr_bytes)
        elif self._kind == b"IDAT":
            self._inflate(piece)
        if not self._left:
            self._state = "crc"

    def _ihdr(self, data: bytes) -> str:
        width, height, depth, color, compression, filtering, interlace = struct.unpack(
            ">IIBBBBB", data
        )
        if not (0 < width <= MAX_CHUNK and 0 < height <= MAX_CHUNK):
            return f"its size ({width}x{height}) is not valid"
        if depth not in _DEPTHS.get(color, ()) or compression or filtering or interlace > 1:
            return "its IHDR chunk names no valid PNG format"
        if width * height > MAX_PIXELS:  # never inflated: a bomb costs no CPU either
            return f"too large to decode safely ({width}x{height} pixels, at most {MAX_PIXELS:,})"
        self.width, self.height = width, height
        self._rows = rows_of(width, height, depth, color, bool(interlace))
        return ""

    def _inflate(self, piece: bytes) -> None:
        if not self._rows:
            self.problem = "image data before a valid IHDR"
            return
        data = piece
        while not self.problem:
            if self._inflater.eof and data:
                self.problem = "bytes after the end of its compressed image data"
                return
            try:
                out = self._inflater.decompress(data, _OUTPUT)
            except zlib.error as error:
                self.problem = f"its image data is corrupt ({error})"
                return
            self._filtered(out)
            data = self._inflater.unconsumed_tail or self._inflater.unused_data
            if not data and len(out) < _OUTPUT:
                return

    def _filtered(self, out: bytes) -> None:
        """Walk the inflated rows: each starts with a filter type 0..4."""
        at = 0
        while at < len(out):
            if self._row_left == 0:
                if self._row >= len(self._rows):
                    self.problem = "more image data than its size holds"
                    return
                if out[at] > 4:
                    self.problem = f"row {self._row} has no valid filter type"
                    return
                self._row_left = self._rows[self._row]
                self._row += 1
            step = min(self._row_left, len(out) - at)
            self._row_left -= step
            at += step

    def _image_data_problem(self) -> str:
        if self._idat == "before":
            return "it has no image data (IDAT)"
        if not self._inflater.eof:
            return "its compressed image data is truncated"
        if self._row < len(self._rows) or self._row_left:
            return "less image data than its size holds"
        return ""

    def finish(self) -> str:
        if not self.problem and self._state != "end":
            self.problem = "it ends before its IEND chunk (truncated)"
        return self.problem
