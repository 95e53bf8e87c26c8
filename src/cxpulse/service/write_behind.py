"""Write batches in a thread while the caller prepares the next (PostgreSQL imports).

A PostgreSQL write is mostly the server's work: while the importing process waits for
a batch's COPY and commit, it could be unpickling and sorting the next one, and its
reader process, whose pipe it stops draining, waits too. One writer thread takes the
batches in the order given, at most one waiting behind the one being written, so the
database sees the same transactions in the same order as without it.

While the writer runs, Python hands the GIL between threads every 0.5 ms instead of 5:
a batch is several round trips to the server, and after each the writer waited for the
busy caller's thread to give the GIL up (measured: a re-import of 1M unchanged events,
all merged, 23.6 s with the default interval against 12.1 s writing in line; 12.3 s at
0.5 ms).

An error in a batch stops the writing: the batches behind it are dropped, as they would
never have been reached, and the error is raised in the caller at its next `submit` or
at `close`.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable

_STOP = object()
SWITCH_INTERVAL = 0.0005  # seconds


_writers = 0  # running in this process: the interval is set back when the last one ends
_interval = sys.getswitchinterval()
_interval_lock = threading.Lock()


def _quick_switches(change: int) -> None:
    global _writers, _interval
    with _interval_lock:
        if _writers == 0 and change > 0:
            _interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_interval, SWITCH_INTERVAL))
        _writers += change
        if _writers == 0:
            sys.setswitchinterval(_interval)


class WriteBehind:
    def __init__(self, write: Callable[..., None], *, name: str = "cxpulse-writer") -> None:
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        _quick_switches(+1)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, *args) -> None:
        """Queue `write(*args)`; waits while a batch already waits. Raises a writer's error."""
        self._raise()
        self._queue.put(args)

    def drain(self) -> None:
        """Wait until every batch submitted is written (before a write of the caller's own)."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Write what was submitted, end the thread; raise the writer's error if it had one."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
            _quick_switches(-1)
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        while True:
            args = self._queue.get()
            try:
                if args is _STOP:
                    return
                if self._error is None:  # after an error, the batches behind it are dropped
                    self._write(*args)
            except BaseException as e:  # noqa: BLE001 - raised in the caller's thread
                self._error = e
            finally:
                self._queue.task_done()
