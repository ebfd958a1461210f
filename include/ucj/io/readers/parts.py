"""Byte ranges of a CSV file, cut after a b"\\n" every so many lines, to be read separately (in
parallel) by ``read_csv_chunks(..., byte_range=part)``; their frames concatenated are the
whole file's."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from ucj.io.readers.errors import EncodingError
from ucj.io.readers.fast import bare_cr
from ucj.io.readers.header import blank_line
from ucj.io.readers.text import Lines, sniff_encoding

PART_READ_BYTES = 64 << 20  # plan_parts reads this much at a time
CUT_SLICE_BYTES = 1 << 20  # and counts its line ends in slices of this size


def plan_parts(path: Path, part_rows: int, *,
               block_bytes: int = PART_READ_BYTES) -> list[tuple[int, int, int]]:
    """Byte ranges (start, end, first line) of ``part_rows`` lines each (the last one the
    rest), cut after a b"\\n", that hold the CSV file's data (after the header line) in
    order: read each with ``read_csv_chunks(..., byte_range=part)`` and concatenate to get
    the whole-file result. At least one range, so the header is always checked (from byte 0
    when the file does not decode: the reader starts after the header and names the line).

    One streaming pass in blocks of ``block_bytes``. The file is a single range whenever a
    cut could fall inside a record: a quote anywhere (a field may hold a line break), a bare
    CR (a line end that b"\\n" counts miss), not UTF-8, or line 1 blank (the header is
    further down)."""
    if part_rows < 1:
        raise ValueError(f"part_rows must be at least 1, not {part_rows}")
    path = Path(path)
    encoding = sniff_encoding(path)
    size = path.stat().st_size
    lines = Lines(path, encoding)
    try:
        with contextlib.closing(iter(lines)) as text:
            line_one = next(text, "")
    except EncodingError:  # in the first block read: the reader will name the line
        return [(0, size, 1)]
    data_start = lines.position
    cuts = None
    if encoding.startswith("utf-8") and not blank_line(line_one) and '"' not in line_one \
            and not line_one.endswith("\r"):
        cuts = _line_cuts(path, data_start, part_rows, block_bytes)
    bounds = [data_start, *(cuts or [])]
    if bounds[-1] < size or len(bounds) == 1:
        bounds.append(size)
    return [(start, end, 2 + i * part_rows)
            for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))]


def _line_cuts(path: Path, start: int, part_rows: int, block_bytes: int) -> list[int] | None:
    """Offsets after every ``part_rows``-th b"\\n" from ``start``; None when the data holds a
    quote or a bare CR."""
    cuts, seen, dangling_cr = [], 0, False
    buffer = bytearray(block_bytes)  # read into again and again: no new block of bytes a read
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        offset = start
        while size := fh.readinto(buffer):
            block = buffer if size == len(buffer) else buffer[:size]
            if dangling_cr and not block.startswith(b"\n"):
                return None
            # A CR ending the block is judged by the next block's first byte.
            if b'"' in block or bare_cr(block, size - block.endswith(b"\r")):
                return None
            dangling_cr = block.endswith(b"\r")
            found, ends = _every_nth_line_end(block, (part_rows - 1 - seen) % part_rows,
                                              part_rows)
            cuts += [offset + i for i in found]
            seen += ends
            offset += size
    return None if dangling_cr else cuts


def _every_nth_line_end(block: bytearray, first: int, every: int,
                        slice_bytes: int | None = None) -> tuple[list[int], int]:
    """(the offsets just after the ``first``-th, ``first + every``-th, ... b"\\n" of
    ``block``, counted from 0; how many b"\\n" it holds). Counted slice by slice with
    bytes.count, several times faster than comparing each byte in numpy, which locates line
    ends only in the slices holding a wanted one: few, for parts of many lines."""
    slice_bytes = slice_bytes or CUT_SLICE_BYTES
    found: list[int] = []
    seen = 0
    for start in range(0, len(block), slice_bytes):
        stop = min(start + slice_bytes, len(block))
        ends = block.count(b"\n", start, stop)
        if first < seen + ends:
            at = np.flatnonzero(np.frombuffer(block, np.uint8, stop - start, start) == 10)
            picked = at[first - seen::every]
            found += (picked + start + 1).tolist()
            first += len(picked) * every
        seen += ends
    return found, seen
