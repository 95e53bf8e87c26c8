"""The import's writer thread (service/write_behind.py): same batches, same order, errors
raised where the caller can see them, nothing written past a failed batch."""

from __future__ import annotations

import threading
import time

import pytest

from cxpulse.service.write_behind import WriteBehind


def test_batches_are_written_in_order_by_one_thread_while_the_caller_goes_on():
    written: list[int] = []
    threads: set[str] = set()

    def write(n: int) -> None:
        time.sleep(0.002)
        threads.add(threading.current_thread().name)
        written.append(n)

    w = WriteBehind(write)
    for n in range(50):
        w.submit(n)
    w.close()

    assert written == list(range(50))
    assert threads == {"cxpulse-writer"}


def test_a_failed_batch_stops_the_writing_and_is_raised_in_the_caller():
    written: list[int] = []

    def write(n: int) -> None:
        if n == 3:
            raise ValueError("batch 3 is bad")
        written.append(n)

    w = WriteBehind(write)
    with pytest.raises(ValueError, match="batch 3"):
        for n in range(10):
            w.submit(n)
            w.drain() if n == 3 else None
    w.close()  # the error was raised once; closing after it raises nothing more
    assert written == [0, 1, 2]  # nothing after the failed batch


def test_close_raises_an_error_of_the_last_batches():
    w = WriteBehind(lambda n: (_ for _ in ()).throw(RuntimeError(f"lost {n}")))
    w.submit(1)
    with pytest.raises(RuntimeError, match="lost 1"):
        w.close()
