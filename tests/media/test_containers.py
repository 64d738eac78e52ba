"""Container walks and the executable scan on crafted bytes: well-formed files pass, whatever
the chunking; polyglots (something appended, a box past the end, a program inside) do not."""

import io
import os
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import Image

from media import containers
from media.executables import MAX_LFANEW, WINDOW, ExecutableScan
from media.inspect import DECODE_BUDGET, inspect_image
from media.png import PngWalk
from tests.media import samples
from tests.media.samples import box, ftyp

CHUNKINGS = [1, 7, 64, 4096, 1 << 20]


def walk(check: containers.Check, data: bytes, chunk: int = 1 << 20) -> str:
    for at in range(0, len(data), chunk):
        check.feed(data[at : at + chunk])
    return check.finish()


def scan(data: bytes, chunk: int = 1 << 20) -> str:
    return walk(ExecutableScan(), data, chunk)


def structure(content_type: str, data: bytes, chunk: int = 1 << 20) -> str:
    check = containers.check_for(content_type)
    assert check is not None
    return walk(check, data, chunk)


def png(size: tuple[int, int] = (64, 48), **params: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG", **params)
    return out.getvalue()


@pytest.mark.parametrize("chunk", CHUNKINGS)
def test_well_formed_files_pass_whatever_the_chunking(chunk: int) -> None:
    assert structure("image/heic", samples.heic(), chunk) == ""
    assert structure("image/heif", samples.heic(), chunk) == ""
    assert structure("video/mp4", samples.mp4(), chunk) == ""
    assert structure("video/quicktime", samples.mp4(major=b"qt  "), chunk) == ""
    assert structure("application/pdf", samples.pdf(), chunk) == ""
    assert structure("application/pdf", samples.pdf(xref_stream=True), chunk) == ""
    assert structure("application/pdf", samples.pdf(after=b"\r\n  \n"), chunk) == ""
    assert structure("image/png", png(), chunk) == ""
    assert structure("image/png", png((33, 17), optimize=True), chunk) == ""
    for good in (samples.heic(), samples.mp4(), samples.pdf(), png()):
        assert scan(good, chunk) == ""


def test_64_bit_and_to_the_end_box_sizes() -> None:
    large = b"\0\0\0\x01mdat" + (16 + 40).to_bytes(8, "big") + b"\1" * 40
    start = ftyp(b"isom", b"isom") + box(b"moov", b"\0" * 8)
    assert structure("video/mp4", start + large, 5) == ""
    assert structure("video/mp4", start + b"\0\0\0\0mdat" + os.urandom(500), 9) == ""
    short = b"\0\0\0\x01mdat" + (8).to_bytes(8, "big")
    assert "claims 8 bytes" in structure("video/mp4", start + short)


@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_iso_bmff_polyglots_and_malformed_boxes_are_refused(chunk: int) -> None:
    cases = {
        samples.heic() + samples.pe(): "no box",  # the finding: a HEIC, then a program
        samples.heic() + b"\0\0\0\x40free" + b"\0" * 8: "past the end",
        samples.heic() + b"abc": "trailing data",
        samples.heic()[:-1]: "past the end",
        box(b"moov", b"\0" * 8) + samples.mp4(): "not 'ftyp'",
        ftyp(b"qt  ") + box(b"meta") + box(b"mdat"): "not those of image/heic",
        ftyp(b"heic", b"heic") + box(b"mdat", b"\0" * 8): "no 'meta' box",
        samples.heic() + ftyp(b"heic"): "second 'ftyp'",
        samples.heic() + b"\0\0\0\x04mdat": "claims 4 bytes",
        box(b"ftyp", b"heic\0\0\0\0" + b"heic" * 1024) + samples.heic()[24:]: "malformed",
    }
    for data, reason in cases.items():
        assert reason in structure("image/heic", data, chunk), reason
    assert "no 'moov' box" in structure("video/mp4", ftyp(b"isom", b"isom") + box(b"mdat"))
    assert "not those of video/mp4" in structure("video/mp4", samples.heic())


@pytest.mark.parametrize("chunk", [5, 1 << 20])
def test_pdf_polyglots_and_broken_tails_are_refused(chunk: int) -> None:
    good = samples.pdf()
    at = good.index(b"startxref\n") + len(b"startxref\n")
    wrong_offset = good[:at] + b"%d" % (good.index(b"xref\n") + 1) + good[good.index(b"\n", at) :]
    no_trailer = good.replace(b"trailer\n", b"garbage\n")
    cases = {
        good + b"PK\x03\x04" + os.urandom(64): "bytes follow its last %%EOF",
        good.replace(b"%PDF-1.7", b"%PDX-1.7"): "PDF header",
        good.replace(b"startxref", b"startxyz"): "no startxref",
        wrong_offset: "points at no cross-reference section",
        no_trailer: "has no trailer",
        good.replace(b"startxref\n", b"startxref\n9999999"): "points past",
    }
    for data, reason in cases.items():
        assert reason in structure("application/pdf", data, chunk), reason


def test_png_walk_refuses_trailing_data_bad_crcs_and_short_image_data() -> None:
    good = png((40, 30))
    assert "trailing data" in structure("image/png", good + samples.pe())
    broken = bytearray(good)
    broken[good.index(b"IEND") - 5] ^= 0xFF  # the IDAT chunk's CRC
    assert "CRC" in structure("image/png", bytes(broken))
    header = samples.png_chunk(b"IHDR", (100).to_bytes(4, "big") * 2 + b"\x08\x02\0\0\0")
    short = samples.png_chunk(b"IDAT", zlib.compress(b"\0" * 301))
    data = b"\x89PNG\r\n\x1a\n" + header + short + samples.png_chunk(b"IEND", b"")
    assert "less image data" in structure("image/png", data)
    assert "truncated" in structure("image/png", good[:-12])
    interlaced = png((37, 23), interlace=1)
    assert structure("image/png", interlaced, 11) == ""


@pytest.mark.parametrize("chunk", [1, 13, 1 << 20])
def test_executables_inside_any_container_are_found(chunk: int) -> None:
    for program, name in (
        (samples.pe(), "PE"),
        (samples.elf(), "ELF"),
        (samples.macho(), "Mach-O"),
    ):
        inside = samples.mp4(os.urandom(3000) + program + os.urandom(3000))
        assert structure("video/mp4", inside) == ""  # a valid container: the scan decides
        found = scan(inside, chunk)
        assert name in found
        assert f"at byte {inside.index(program)}" in found


def test_a_pe_header_far_from_its_mz_is_found_across_chunks() -> None:
    dos = bytearray(samples.pe(0x40 + 8))
    lfanew = MAX_LFANEW - 8
    dos[0x3C:0x40] = lfanew.to_bytes(4, "little")
    data = os.urandom(5000) + bytes(dos[:0x40]) + b"\0" * (lfanew - 0x40) + b"PE\0\0" + b"\0" * 20
    assert "PE" in scan(data, 1000)
    assert "PE" in scan(data + os.urandom(3 << 20), 1 << 20)


@pytest.mark.parametrize("chunk", [997, 4096])
def test_executables_are_found_wherever_the_chunks_split_them(chunk: int) -> None:
    """Objects far larger than the scan's window, each program placed to straddle the point
    where one feed's search stops and the next one's starts."""
    for program in (samples.pe(), samples.elf(), samples.macho()):
        for shift in range(-4, 4):
            at = 150 * chunk - WINDOW + shift
            data = b"\0" * at + program + b"\0" * (100 * chunk)
            assert f"at byte {at}" in scan(data, chunk), (program[:4], shift)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_a_pdf_larger_than_the_windows_passes_whatever_the_chunking(chunk: int) -> None:
    for xref_stream in (False, True):
        data = samples.pdf(xref_stream=xref_stream, stream=os.urandom(40_000))
        assert structure("application/pdf", data, chunk) == ""
        assert scan(data, 4096) == ""


def test_random_bytes_hold_no_executable() -> None:
    """Compressed media is near-random: magic numbers occur in it by chance and must not be
    taken for programs."""
    data = os.urandom(24 << 20).replace(b"MZ", b"MZ", 1)
    assert scan(data) == ""
    polluted = (b"MZ" + b"\0" * 62) * 2000 + b"\x7fELF" * 1000 + b"\xcf\xfa\xed\xfe" * 1000
    assert scan(polluted) == ""


def test_a_49_megapixel_png_is_checked_without_decoding_its_pixels() -> None:
    data = samples.large_png()
    assert DECODE_BUDGET < 7000 * 7000 * 4
    found = inspect_image(data, "image/png")
    assert (found.problem, found.width, found.height, found.thumbnail) == ("", 7000, 7000, b"")
    assert "too large to decode" in found.details["thumbnail_skipped"]
    truncated = data[:-40] + data[-12:]  # IDAT cut short: caught without the pixels too
    assert "cannot be decoded" in inspect_image(truncated, "image/png").problem
    walk_only = PngWalk()
    walk_only.feed(data)
    assert (walk_only.finish(), walk_only.width) == ("", 7000)


def test_decoding_a_49_megapixel_image_stays_within_the_memory_budget(tmp_path: Path) -> None:
    """Peak RSS of a fresh process inspecting a 7000x7000 PNG and JPEG (before the budget:
    ~380 MiB each, Pillow's pixels plus a converted copy)."""
    png_file = tmp_path / "big.png"
    png_file.write_bytes(samples.large_png())
    jpeg_file = tmp_path / "big.jpg"
    with Image.new("RGB", (7000, 7000), (30, 90, 160)) as image:
        image.save(jpeg_file, "JPEG", quality=80)
    program = textwrap.dedent(
        """
        import resource, sys
        from media.inspect import inspect_image
        data = open(sys.argv[1], "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        found = inspect_image(data, sys.argv[2])
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert not found.problem, found.problem
        print((after - before) // 1024)
        """
    )
    for path, content_type in ((png_file, "image/png"), (jpeg_file, "image/jpeg")):
        added = subprocess.run(
            [sys.executable, "-c", program, str(path), content_type],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        )
        assert int(added.stdout) < 48, f"{content_type}: {added.stdout} MiB added"
