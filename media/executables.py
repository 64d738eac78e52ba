"""Executables hidden inside evidence: a photo, video or document that carries a Windows, Linux
or macOS program (a polyglot) is refused whatever its container says.

The scan sees the object chunk by chunk as verification streams it, keeping only a window of
the previous bytes (a PE header may sit up to ``MAX_LFANEW`` after its ``MZ``), so memory stays
bounded whatever the object's size. A bare magic number is not enough (compressed video is
near-random and holds ``MZ`` every 64 KiB on average): each candidate's header must hold
together (PE: ``PE\\0\\0`` where the DOS header points; ELF: class, byte order, versions and
header size; Mach-O: a known CPU, file type and command count).
"""

import struct

MAX_LFANEW = 0x10000  # where a DOS header may point to its PE header (real ones: < 0x1000)
_HEADER = 64  # what the ELF and Mach-O checks read
WINDOW = MAX_LFANEW + _HEADER  # bytes kept from one chunk to the next
MAX_CANDIDATES = 500_000  # magic numbers checked per object (random data: ~16,000 a GiB)
_CPUS = frozenset({1, 6, 7, 10, 12, 13, 14, 18})  # vax, m68k, x86, m98k, arm, m88k, sparc, ppc
_MAGICS = (  # four searches of each chunk (bytes.find); a universal binary's slices are thin
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa",  # Mach-O, big-endian: feedface, feedfacf
    b"\xfa\xed\xfe",  # Mach-O, little-endian (as on disk): cefaedfe, cffaedfe
)


_THIN = frozenset(
    {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}
)


class ExecutableScan:
    """Feed every chunk in order, then ``finish()``: what was found, "" when nothing."""

    def __init__(self) -> None:
        self.found = ""
        self._tail = b""  # the last bytes fed (WINDOW and a few)
        self._total = 0  # bytes fed
        self._scanned = 0  # candidates starting before this offset were checked
        self._checked = 0

    def feed(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        buffer = self._tail + chunk
        base = self._total - len(self._tail)  # the offset of buffer[0] in the object
        self._total += len(chunk)
        ready = len(buffer) - WINDOW  # candidates before it have their whole header here
        if ready > self._scanned - base:
            self._scan(buffer, base, ready)
            self._scanned = base + ready
        self._tail = buffer[-(WINDOW + 8) :]  # and a few bytes before the next candidates

    def finish(self) -> str:
        """Check the candidates in the last window (with what bytes there are)."""
        if not self.found:
            base = self._total - len(self._tail)
            self._scan(self._tail, base, len(self._tail))
            self._scanned = self._total
        return self.found

    def _scan(self, buffer: bytes, base: int, stop: int) -> None:
        """Candidates starting in [scanned, stop) of the object."""
        start = max(0, self._scanned - base)
        for magic in _MAGICS:
            end = stop + len(magic) - 1  # a magic starting before stop may end after it
            at = buffer.find(magic, start, end)
            while at >= 0:
                self._checked += 1
                if self._checked > MAX_CANDIDATES:
                    self.found = "too many executable signatures to check (a crafted file)"
                    return
                begin = at - 1 if magic == b"\xfa\xed\xfe" else at  # its first byte
                what = _executable_at(buffer, begin)
                if what:
                    self.found = f"a {what} at byte {base + begin}"
                    return
                at = buffer.find(magic, at + 1, end)


def _executable_at(data: bytes, at: int) -> str:
    if at < 0:
        return ""
    head = data[at : at + 4]
    if head[:2] == b"MZ":
        return "Windows executable (PE)" if _pe(data, at) else ""
    if head == b"\x7fELF":
        return "Linux executable (ELF)" if _elf(data[at : at + _HEADER]) else ""
    if head in _THIN:
        return "macOS executable (Mach-O)" if _macho(data[at : at + _HEADER]) else ""
    return ""


def _pe(data: bytes, at: int) -> bool:
    if at + 0x40 > len(data):
        return False
    lfanew: int = struct.unpack_from("<I", data, at + 0x3C)[0]
    return 4 <= lfanew < MAX_LFANEW and data[at + lfanew : at + lfanew + 4] == b"PE\0\0"


def _elf(header: bytes) -> bool:
    if len(header) < 54 or header[4] not in (1, 2) or header[5] not in (1, 2) or header[6] != 1:
        return False
    order = "<" if header[5] == 1 else ">"
    wide = header[4] == 2
    version: int = struct.unpack_from(f"{order}I", header, 20)[0]
    header_size: int = struct.unpack_from(f"{order}H", header, 52 if wide else 40)[0]
    return version == 1 and header_size == (64 if wide else 52)


def _cpu_known(cputype: int) -> bool:
    return (cputype & 0x00FFFFFF) in _CPUS and (cputype >> 24) in (0, 1, 2)


def _macho(header: bytes) -> bool:
    if len(header) < 28:
        return False
    order = ">" if header[0] == 0xFE else "<"
    cputype, _subtype, filetype, commands = struct.unpack_from(f"{order}IIII", header, 4)
    return _cpu_known(cputype) and 1 <= filetype <= 12 and 0 < commands < 10_000
