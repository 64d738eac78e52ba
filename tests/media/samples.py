"""Crafted files for the container and polyglot tests: minimal but well-formed HEIC, MP4 and
PDF files, executables' headers to hide in them, and a large PNG made without Pillow."""

import os
import struct
import zlib


def box(kind: bytes, body: bytes = b"") -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major + b"\0\0\0\0" + b"".join(compatible))


def heic(payload: bytes = b"\x00" * 64) -> bytes:
    """ftyp (heic; mif1, heic), a meta box with an hdlr of 'pict', the coded image in mdat."""
    hdlr = box(b"hdlr", b"\0" * 8 + b"pict" + b"\0" * 13)
    return (
        ftyp(b"heic", b"mif1", b"heic") + box(b"meta", b"\0\0\0\0" + hdlr) + box(b"mdat", payload)
    )


def mp4(payload: bytes = b"\x00" * 64, *, major: bytes = b"isom") -> bytes:
    """ftyp, moov (a movie header), mdat."""
    mvhd = box(b"mvhd", b"\0" * 100)
    return ftyp(major, b"isom", b"mp42") + box(b"moov", mvhd) + box(b"mdat", payload)


def video(size: int) -> bytes:
    """An MP4 of ``size`` bytes whose media data is random (as compressed video looks)."""
    head = ftyp(b"mp42", b"mp42", b"isom") + box(b"moov", box(b"mvhd", b"\0" * 100))
    return head + box(b"mdat", os.urandom(size - len(head) - 8))


def pdf(*, xref_stream: bool = False, after: bytes = b"\n", stream: bytes = b"") -> bytes:
    """A one-page PDF with a classic xref table and trailer, or an xref stream; ``stream``
    is its page's content (any bytes: a compressed stream looks random)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nstream\n%s\nendstream" % stream,
    ]
    out, offsets = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    if xref_stream:
        rows = b"".join(b"\x01" + struct.pack(">I", o) + b"\x00" for o in [0, *offsets])
        data = zlib.compress(rows)
        out += (
            b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode"
            b" /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(data), data)
        )
    else:
        out += b"xref\n0 4\n0000000000 65535 f \n"
        out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
        out += b"trailer\n<< /Size 4 /Root 1 0 R >>\n"
    out += b"startxref\n%d\n%%%%EOF" % xref_at + after
    return bytes(out)


def pe(size: int = 1024) -> bytes:
    """The headers of a Windows executable: MZ, e_lfanew at 0x3C, PE\\0\\0 there."""
    dos = bytearray(b"MZ\x90\x00" + b"\x00" * 0x7C)
    dos[0x3C:0x40] = struct.pack("<I", 0x80)
    image = bytes(dos) + b"PE\0\0" + struct.pack("<H", 0x8664) + b"\x00" * 18
    return image + b"\xcc" * (size - len(image))


def elf() -> bytes:
    """A 64-bit little-endian ELF header (x86-64 executable)."""
    ident = b"\x7fELF\x02\x01\x01" + b"\x00" * 9
    rest = struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    return ident + rest + b"\x90" * 64


def macho() -> bytes:
    """A 64-bit Mach-O header (arm64 executable), as stored on disk (little-endian)."""
    return b"\xcf\xfa\xed\xfe" + struct.pack("<IIIIII", 0x0100000C, 0, 2, 15, 1200, 0) + b"\0" * 64


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def large_png(width: int = 7000, height: int = 7000) -> bytes:
    """An RGB PNG of ``width`` x ``height`` pixels, compressed row by row (never all pixels
    in memory): 49 megapixels are ~190 MiB once Pillow decodes them."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + (bytes(range(256)) * (width * 3 // 256 + 1))[: width * 3]
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )
