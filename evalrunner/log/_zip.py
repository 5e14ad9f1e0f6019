"""An append-only zip file, and a reader that recovers one whose writer was killed.

Python's zipfile rewrites the central directory at the end of the file each time it adds
a member, so a process killed mid-write leaves a file no reader opens. Here the file is
only ever appended to: members are written whole (sizes known, no data descriptors), and
at a checkpoint a complete central directory and end record follow them. The next member
goes after that directory, which becomes dead bytes that zip readers skip (they find the
directory from the end record, and members by offset). A file cut off at any byte is thus
either a valid zip (up to its last checkpoint) or recoverable by `scan`, which walks the
local headers from the start and keeps every member written whole.
"""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_LOCATOR64 = b"PK\x06\x07"
_UTF8 = 0x0800  # general purpose flag bit 11: names are UTF-8
_DESCRIPTOR = 0x0008  # bit 3: sizes follow the data (never written here)
STORED, DEFLATED, ZSTANDARD = 0, 8, 93
_MAX32 = 0xFFFFFFFF
_LEVEL = 5  # deflate level: Inspect's choice, a third of level 9's time for ~the same size


@dataclass(slots=True)
class Member:
    name: str
    offset: int  # of its local header
    data_offset: int
    method: int
    crc: int
    compressed: int
    size: int
    dostime: int
    dosdate: int


def _dos_time(now: float) -> tuple[int, int]:
    t = time.localtime(now)
    dostime = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dosdate = ((max(t.tm_year, 1980) - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dostime, dosdate


class ZipAppender:
    """Builds the bytes of members and central directories for a file written from
    `start` on (0 for a new file); the caller writes them in order."""

    def __init__(self, start: int = 0, members: list[Member] | None = None) -> None:
        self.position = start
        self.members: list[Member] = list(members or [])

    def member(self, name: str, data: bytes) -> bytes:
        """The bytes of one whole member (local header and deflated data)."""
        packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        body = packer.compress(data) + packer.flush()
        if len(body) >= _MAX32 or len(data) >= _MAX32:
            raise ValueError(f"{name}: a member of 4 GB or more is not supported")
        encoded = name.encode("utf-8")
        dostime, dosdate = _dos_time(time.time())
        crc = zlib.crc32(data)
        header = struct.pack("<4sHHHHHIIIHH", _LOCAL, 20, _UTF8, DEFLATED, dostime, dosdate,
                             crc, len(body), len(data), len(encoded), 0)
        start = self.position
        self.members.append(Member(name, start, start + len(header) + len(encoded), DEFLATED,
                                   crc, len(body), len(data), dostime, dosdate))
        self.position += len(header) + len(encoded) + len(body)
        return header + encoded + body

    def directory(self) -> bytes:
        """A central directory of every member so far, and its end records."""
        parts: list[bytes] = []
        for m in self.members:
            encoded = m.name.encode("utf-8")
            extra = b""
            offset = m.offset
            if offset >= _MAX32:  # zip64: the real offset goes in the extra field
                extra = struct.pack("<HHQ", 1, 8, offset)
                offset = _MAX32
            parts.append(struct.pack("<4sHHHHHHIIIHHHHHII", _CENTRAL, 45 if extra else 20,
                                     45 if extra else 20, _UTF8, m.method, m.dostime,
                                     m.dosdate, m.crc, m.compressed, m.size, len(encoded),
                                     len(extra), 0, 0, 0, 0, offset))
            parts.append(encoded + extra)
        body = b"".join(parts)
        start, count = self.position, len(self.members)
        tail = b""
        if count >= 0xFFFF or start >= _MAX32 or len(body) >= _MAX32:
            end64 = start + len(body)
            tail = struct.pack("<4sQHHIIQQQQ", _END64, 44, 45, 45, 0, 0, count, count,
                               len(body), start)
            tail += struct.pack("<4sIQI", _LOCATOR64, 0, end64, 1)
            tail += struct.pack("<4sHHHHIIH", _END, 0, 0, 0xFFFF, 0xFFFF, _MAX32, _MAX32, 0)
        else:
            tail = struct.pack("<4sHHHHIIH", _END, 0, 0, count, count, len(body), start, 0)
        self.position += len(body) + len(tail)
        return body + tail


def scan(f: IO[bytes]) -> dict[str, Member]:
    """Every member written whole, by name (a later one of the same name wins), walking
    the file from its start; stops at the first torn or unknown record."""
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(0)
    members: dict[str, Member] = {}
    pos = 0
    while pos + 4 <= size:
        f.seek(pos)
        sig = f.read(4)
        if sig == _LOCAL:
            head = f.read(26)
            if len(head) < 26:
                break
            (_, flags, method, dostime, dosdate, crc, compressed, length, name_len,
             extra_len) = struct.unpack("<HHHHHIIIHH", head)
            if flags & _DESCRIPTOR:
                break  # sizes unknown here: not a file this module wrote
            name = f.read(name_len).decode("utf-8", errors="replace")
            data_offset = pos + 30 + name_len + extra_len
            if data_offset + compressed > size:
                break  # the member being written when the process died
            members[name] = Member(name, pos, data_offset, method, crc, compressed, length,
                                   dostime, dosdate)
            pos = data_offset + compressed
        elif sig == _CENTRAL:
            head = f.read(42)
            if len(head) < 42:
                break
            name_len, extra_len, comment_len = struct.unpack("<HHH", head[24:30])
            pos += 46 + name_len + extra_len + comment_len
        elif sig == _END64:
            (record,) = struct.unpack("<Q", f.read(8))
            pos += 12 + record
        elif sig == _LOCATOR64:
            pos += 20
        elif sig == _END:
            head = f.read(18)
            if len(head) < 18:
                break
            pos += 22 + struct.unpack("<H", head[16:18])[0]
        else:
            break
    return members


def read_member(f: IO[bytes], member: Member, limit: int | None = None) -> bytes | None:
    """A member's uncompressed bytes (stored, deflated or zstandard), CRC checked; None
    when they would be more than `limit` bytes (a zip bomb unpacks no further)."""
    f.seek(member.data_offset)
    raw = f.read(member.compressed)
    most = -1 if limit is None else limit + 1
    if member.method == STORED:
        data = raw if most < 0 else raw[:most]
    elif member.method == DEFLATED:
        unpacker = zlib.decompressobj(-15)
        data = unpacker.decompress(raw, most if most > 0 else 0)
    elif member.method == ZSTANDARD:
        import zstandard

        chunks: list[bytes] = []
        total = 0
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as reader:
            while (most < 0 or total < most) and (chunk := reader.read(1 << 20)):
                chunks.append(chunk)
                total += len(chunk)
        data = b"".join(chunks)
    else:
        raise ValueError(f"{member.name}: unsupported zip compression method {member.method}")
    if limit is not None and len(data) > limit:
        return None
    if zlib.crc32(data) != member.crc:
        raise ValueError(f"{member.name}: damaged (CRC mismatch)")
    return data


def members(f: IO[bytes]) -> dict[str, Member]:
    """The members of a zip file: from its central directory when it has one that lists a
    `header.json` (a finished log), otherwise by `scan` (a log still being written, or
    cut off). A file that is neither raises ValueError."""
    try:
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        infos = None
    if infos is not None and any(i.filename == "header.json" for i in infos):
        out: dict[str, Member] = {}
        for info in infos:  # sizes from the directory: a local header may hold zeros
            if (member := _listed(f, info)) is not None:
                out[info.filename] = member
        return out
    found = scan(f)
    if not found and infos is None:
        raise ValueError("not a zip file")
    if infos is not None and len(found) < len(infos):  # written by another tool
        return {i.filename: m for i in infos if (m := _listed(f, i)) is not None}
    return found


def _listed(f: IO[bytes], info: zipfile.ZipInfo) -> Member | None:
    f.seek(info.header_offset)
    head = f.read(30)
    if head[:4] != _LOCAL:
        return None
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    return Member(info.filename, info.header_offset,
                  info.header_offset + 30 + name_len + extra_len, info.compress_type,
                  info.CRC, info.compress_size, info.file_size, 0, 0)
