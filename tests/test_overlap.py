"""Chunks read one ahead and written one behind on threads (ucj.pipeline.overlap): the same
items in the same order, at most one read ahead, every error raised to the batch, nothing left
running or open when the batch ends."""

from __future__ import annotations

import threading

import pytest
from ucj.pipeline.overlap import ReadAhead, WriteBehind


def test_items_in_order_one_read_ahead():
    produced = []

    def items():
        for i in range(5):
            produced.append(i)
            yield i

    seen = []
    with ReadAhead(items()) as ahead:
        for item in ahead:
            ahead._next.result()  # let the read in flight finish: it is at most the next one
            assert produced[-1] <= item + 1
            seen.append(item)
    assert seen == list(range(5))


def test_a_reader_error_reaches_the_caller_after_the_items_before_it():
    def items():
        yield 1
        raise ValueError("line 3 of kepesertaan_202601.csv: not UTF-8")

    seen = []
    with pytest.raises(ValueError, match="kepesertaan_202601.csv"), ReadAhead(items()) as ahead:
        for item in ahead:
            seen.append(item)
    assert seen == [1]


def test_leaving_early_closes_the_items():
    closed = threading.Event()

    def items():
        try:
            yield from range(100)
        finally:
            closed.set()

    with pytest.raises(RuntimeError), ReadAhead(items()) as ahead:
        for _item in ahead:
            raise RuntimeError("the validation stopped")
    assert closed.is_set()  # the file it read is released, no thread is left on it


def test_writes_run_in_order_one_behind():
    done, running = [], threading.Lock()

    def write(i):
        assert running.acquire(blocking=False), "two writes at once"
        try:
            done.append(i)
        finally:
            running.release()

    with WriteBehind() as writes:
        for i in range(6):
            writes.submit(write, i)
            assert len(done) >= i  # the one before this was finished before it was handed over
    assert done == list(range(6))  # the last one too, when the context is left


def test_a_write_error_reaches_the_caller():
    def write(i):
        if i == 1:
            raise OSError(f"No space left on device: part-0000{i}.parquet")

    with pytest.raises(OSError, match="part-00001"), WriteBehind() as writes:
        for i in range(4):
            writes.submit(write, i)


def test_the_last_write_error_is_raised_when_leaving():
    def write():
        raise OSError("No space left on device: part-00000.parquet")

    with pytest.raises(OSError, match="part-00000"), WriteBehind() as writes:
        writes.submit(write)


def test_a_caller_error_waits_for_the_write_and_stays_the_error_raised():
    finished = threading.Event()
    release = threading.Event()

    def write():
        release.wait(5)
        finished.set()
        raise OSError("a second failure")

    with pytest.raises(KeyError), WriteBehind() as writes:
        writes.submit(write)
        release.set()
        raise KeyError("the validation failed first")
    assert finished.is_set()  # the sinks close after their last write, never during it
