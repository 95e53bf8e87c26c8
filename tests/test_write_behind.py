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


def test_the_gil_changes_hands_often_while_the_writer_runs_and_as_before_after():
    import sys

    before = sys.getswitchinterval()
    w = WriteBehind(lambda n: None)
    during = sys.getswitchinterval()
    w.close()
    assert during <= 0.0005 < before and sys.getswitchinterval() == before


def test_two_writers_at_once_set_the_interval_back_when_the_last_one_ends():
    import sys

    before = sys.getswitchinterval()
    a, b = WriteBehind(lambda n: None), WriteBehind(lambda n: None)
    a.close()
    assert sys.getswitchinterval() <= 0.0005  # b still runs
    b.close()
    assert sys.getswitchinterval() == before
