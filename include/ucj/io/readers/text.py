"""Delivered bytes as text lines: the encoding sniffed from the first bytes (UTF-8 with or
without BOM; UTF-16 by its BOM or a NUL-interleaved ASCII header), lines decoded from any
line start with their byte positions, and the line of the first undecodable byte named
(:class:`EncodingError`). See the package docstring for why no code page is guessed."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

from ucj.io.readers.errors import EmptyFile, EncodingError


def sniff_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        raise EmptyFile(path, "the file is empty (0 bytes): no header")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"  # an ASCII header without BOM: every second byte is NUL
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    return "utf-8"


def undecodable(path: Path, line: int | None, exc: UnicodeDecodeError,
                encoding: str) -> EncodingError:
    """The EncodingError for bytes that did not decode (with a hint for UTF-8 files)."""
    byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
    hint = (" (Latin-1/Windows-1252? re-export the file as UTF-8)"
            if encoding.startswith("utf-8") else "")
    return EncodingError(path, f"not valid {encoding.upper()}: {exc.reason} (byte 0x{byte})"
                               f"{hint}", line)


def _bom_length(encoding: str) -> int:
    return {"utf-8-sig": len(codecs.BOM_UTF8), "utf-16": len(codecs.BOM_UTF16)}.get(encoding, 0)


def _plain_codec(path: Path, encoding: str) -> str:
    """The codec without byte-order-mark handling: to decode from an offset past the mark, and
    to measure decoded lines in bytes (``"x".encode("utf-16")`` would add a mark)."""
    if encoding == "utf-8-sig":
        return "utf-8"
    if encoding == "utf-16":
        with open(path, "rb") as fh:
            return "utf-16-le" if fh.read(2) == codecs.BOM_UTF16_LE else "utf-16-be"
    return encoding


class Lines:
    """Decoded lines of a text file from byte ``start`` (a line start), line ends kept as the
    csv module wants them. ``number`` is the line last handed out (``first_line`` is the
    number of the line at ``start``), ``position`` the byte offset after it."""

    def __init__(self, path: Path, encoding: str, start: int = 0, first_line: int = 1):
        self.path, self.encoding, self.start, self.first_line = path, encoding, start, first_line
        self.plain = _plain_codec(path, encoding)
        self.number = first_line - 1
        self.position = start + (_bom_length(encoding) if start == 0 else 0)

    def __iter__(self) -> Iterator[str]:
        codec = self.encoding if self.start == 0 else self.plain
        with open(self.path, "rb") as raw:
            raw.seek(self.start)
            text = io.TextIOWrapper(raw, encoding=codec, newline="")
            try:
                for line in text:
                    self.number += 1
                    # Decoding is exact, so encoding again gives the bytes the line took.
                    self.position += len(line.encode(self.plain))
                    first = self.start == 0 and self.number == 1
                    yield line.removeprefix("\ufeff") if first else line
            except UnicodeDecodeError as exc:
                line = _failing_line(self.path, codec, self.start, self.first_line)
                raise undecodable(self.path, line, exc, self.encoding) from None


def _failing_line(path: Path, codec: str, start: int = 0, first_line: int = 1) -> int:
    """The line where decoding fails, read again two bytes at a time (the error path only:
    the normal reader decodes in blocks, so its own count can be ahead or behind)."""
    number = first_line
    with open(path, "rb") as raw:
        raw.seek(start)
        text = io.TextIOWrapper(raw, encoding=codec, newline="")
        text._CHUNK_SIZE = 2  # noqa: SLF001 - a documented CPython attribute
        try:
            for _ in text:
                number += 1
        except UnicodeDecodeError:
            return number
    return number
