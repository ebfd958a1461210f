"""The fast CSV path's blocks: byte blocks of whole lines, each parsed by pyarrow.csv when it
holds no quote and no bare CR (then every b"\\n" ends a record) and pyarrow reads it cleanly;
otherwise marked for the exact path (see the package docstring)."""

from __future__ import annotations

import codecs
import io
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ucj.io.readers.exact import HARD_FIELD_CHARS

SAMPLE_BYTES = 1 << 20  # read to judge the bytes a line takes
MAX_BLOCK_BYTES = 256 << 20  # a fast-path block at most (memory stays bounded)
ARROW_BLOCK_BYTES = 4 << 20  # pyarrow parses a block in pieces of this size (threads)


def bare_cr(data: bytes | bytearray, end: int | None = None) -> bool:
    """A CR not followed by LF in ``data[:end]``: a line end to the csv module, none to a
    count of b"\\n"."""
    end = len(data) if end is None else end
    return (data.find(b"\r", 0, end) >= 0
            and data.count(b"\r", 0, end) != data.count(b"\r\n", 0, end))


@dataclass(frozen=True)
class Block:
    """A block of whole lines, as the fast path found it."""

    offset: int
    size: int
    lines: int = 0
    table: pa.Table | None = None  # None: for the csv module to read
    controls: bool = True  # some value may hold a control character
    plain_ascii: bool = False  # ASCII kernels give what the UTF-8 ones give
    spans: bool = False  # a quote or a bare CR: the csv module reads from here on


def parsed_blocks(path: Path, start: int, end: int | None, size: int, names: list[str],
                  delimiter: str,
                  columns: list[str] | None = None) -> Generator[Block, None, None]:
    """The blocks of [start, end), each parsed by pyarrow.csv when it is plain (``columns``
    of them converted, default all); the first one holding a quote or a bare CR ends them."""
    for offset, data in _blocks(path, start, end, size):
        if b'"' in data or bare_cr(data):
            yield Block(offset, len(data), spans=True)
            return
        lines, controls, plain_ascii = _scan(data)
        table = _arrow_block(data, names, delimiter, check_utf8=not plain_ascii,
                             columns=columns)
        if table is not None and table.num_rows != lines:
            table = None  # not one row a line, as the row numbers assume
        yield Block(offset, len(data), lines, table, controls, plain_ascii)


def block_bytes(path: Path, start: int, rows: int) -> int:
    """Bytes holding about ``rows`` lines, judged from the first MB read from ``start``."""
    with open(path, "rb") as fh:
        fh.seek(start)
        sample = fh.read(SAMPLE_BYTES)
    per_line = len(sample) / max(sample.count(b"\n"), 1)
    # 10% short of the estimate: a block of a few lines more than ``rows`` would be cut
    # into a chunk and a small leftover chunk, each validated at the full fixed cost
    return max(1, min(MAX_BLOCK_BYTES, round(0.9 * rows * per_line)))


def _blocks(path: Path, start: int, end: int | None, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of blocks of about ``size`` bytes covering [start, end), each ending
    at a b"\\n" (or the file's end); the line ``end`` falls in is read whole (its record
    starts before end). Each block is read once, at its exact length: no copy."""
    with open(path, "rb") as fh:
        file_size = fh.seek(0, io.SEEK_END)
        stop = file_size if end is None else min(end, file_size)
        offset = start
        while offset < stop:
            length = min(size, stop - offset)
            fh.seek(offset + length - 1)
            length += len(fh.readline()) - 1  # on to the end of that byte's line
            fh.seek(offset)
            yield offset, fh.read(length)
            offset += length


def _scan(block: bytes) -> tuple[int, bool, bool]:
    """(lines, may hold a control character, plain ASCII) of a block, from byte counts: each
    character _CONTROL matches is one byte below 0x80, which UTF-8 never uses inside another
    character. Plain ASCII (no control character either) lets ASCII kernels stand in for the
    UTF-8 ones: they differ only on non-ASCII text and on 0x1c-0x1f, which str.strip trims."""
    codes = np.frombuffer(block, np.uint8)

    def count(byte: int) -> int:
        return int(np.count_nonzero(codes == byte)) if byte in block else 0

    ends = count(ord("\n"))
    allowed = ends + count(ord("\r")) + count(ord("\t"))  # the control bytes that are text
    controls = int(np.count_nonzero(codes < 0x20)) != allowed or 0x7f in block
    return ends + (not block.endswith(b"\n")), controls, block.isascii() and not controls


def _arrow_block(block: bytes, names: list[str], delimiter: str, check_utf8: bool = True,
                 columns: list[str] | None = None) -> pa.Table | None:
    """The block's lines as text columns (``columns``, default all), parsed by pyarrow.csv;
    None when the result cannot be trusted to be the csv module's: a line with another number
    of fields, bytes that are not UTF-8 or a field over HARD_FIELD_CHARS in those columns, a
    line beyond pyarrow's block size, a U+FEFF starting the block."""
    if block.startswith(codecs.BOM_UTF8):
        return None  # pyarrow would drop it, the csv module keeps it as text
    read = pcsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK_BYTES)
    # No invalid_row_handler: pyarrow raises at the first line with another field count,
    # which is all there is to know (and a handler cannot be called for a non-UTF-8 line).
    # An empty line is a row of empty values, so rows stay lines.
    parse = pcsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False)
    # large_string: what pandas keeps (it would cast string columns over).
    convert = pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                  check_utf8=check_utf8, include_columns=columns or names)
    try:
        table = pcsv.read_csv(pa.py_buffer(block), read, parse, convert)
    except pa.ArrowException:
        return None
    if len(block) > HARD_FIELD_CHARS and any(
            (pc.max(pc.binary_length(c)).as_py() or 0) > HARD_FIELD_CHARS for c in table.columns):
        return None  # bytes >= characters: the csv module decides, and refuses the file
    return table
