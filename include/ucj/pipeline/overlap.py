"""Reading the next chunk and writing the last one while a chunk is validated.

Validating a chunk (GX, pandas) holds Python's GIL most of its time; reading one (pyarrow's
CSV parser) and writing one (Parquet encoding, zstd) mostly do not. So a batch's chunks are
read one ahead and written one behind on a thread each, beside the validation: on two cores
the three overlap instead of taking turns. Order is kept (one thread per stage), memory grows
by at most one chunk read ahead and one chunk being written, and an error in any stage
reaches the batch as its own exception, naming what failed, as it would without threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_END = object()


class ReadAhead:
    """``items`` iterated on a thread, one item ahead of the caller. Use as a context
    manager: leaving it waits for a read in flight and closes ``items``."""

    def __init__(self, items: Iterable) -> None:
        self._items: Iterator = iter(items)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ucj-read-ahead")
        self._next: Future = self._pool.submit(next, self._items, _END)

    def __enter__(self) -> ReadAhead:
        return self

    def __iter__(self) -> ReadAhead:
        return self

    def __next__(self):
        item = self._next.result()  # the reader's own error, raised here
        if item is _END:
            raise StopIteration
        self._next = self._pool.submit(next, self._items, _END)
        return item

    def __exit__(self, *exc) -> None:
        try:
            # a generator cannot be closed while it runs: its read in flight ends first
            self._next.exception()
            close = getattr(self._items, "close", None)
            if close is not None:
                close()  # its files and temporary copies released now, in order
        finally:
            self._pool.shutdown()


class WriteBehind:
    """Calls run in order on a thread, at most one at a time behind the caller: ``submit``
    waits for the previous call (raising its error) before handing over the next. Leaving
    the context waits for the last one, so the sinks it wrote to can be closed after it."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ucj-write-behind")
        self._pending: Future | None = None

    def __enter__(self) -> WriteBehind:
        return self

    def submit(self, fn: Callable[..., Any], *args) -> None:
        self.wait()
        self._pending = self._pool.submit(fn, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()  # the last write's error is the batch's
            elif self._pending is not None:
                self._pending.exception()  # finished before the sinks close; the first
                # error (the caller's) is the one raised
        finally:
            self._pool.shutdown()
