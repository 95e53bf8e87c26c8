"""Read a large input in a second process while this one writes to the database.

Parsing and validating rows is pure Python, and so is most of writing them: in one
process they take turns on one core. Here a reader process runs the format's reader,
turns users, tickets and events into prepared rows (`service.load.prepare`), and sends
them in batches through a pipe; this process only stores them. The stream that comes
out is the same, item for item and in the same order, as reading in-process — so
rejects, counts and "the last version of a row wins" do not change.

A reader error (a file that is not what its format says) is raised here, after the
items read before it, exactly where the in-process reader would have raised it.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable, Iterator

from cxpulse.readers.base import Progress, Record, Stream
from cxpulse.service.load import prepare
from cxpulse.service.processes import die_with_parent, process_context, usable_cores

BATCH = 1024  # ~150 kB pickled: several fit in the pipe (below)
PIPE_BYTES = 1 << 20  # Linux's default maximum; the reader runs ahead by this much
# Smaller inputs read in-process: starting a reader process costs about half a second.
MIN_BYTES = 32 * 1024 * 1024


def worth_a_reader_process(input_bytes: int) -> bool:
    return input_bytes >= MIN_BYTES and usable_cores() >= 2


def read_in_process(make_reader: Callable[[Progress | None], Stream], progress: Progress | None) -> Iterator:
    """Items of `make_reader(progress)`, read and prepared by a reader process.

    `make_reader` must be picklable (a module-level function or a partial of one): it
    is called in the reader process (started as service/processes.py says).
    """
    ctx = process_context()
    receiver, sender = ctx.Pipe(duplex=False)
    _widen(receiver)
    # a forked reader inherits the receiving end too; it closes it, so that a dead importer
    # leaves nobody reading the pipe, and the reader's next send fails at once
    inherited = receiver if ctx.get_start_method() == "fork" else None
    proc = ctx.Process(target=_produce, args=(make_reader, sender, inherited), daemon=True, name="cxpulse-reader")
    proc.start()
    sender.close()
    try:
        while True:
            try:
                tag, items, extra = pickle.loads(receiver.recv_bytes())
            except EOFError:
                raise RuntimeError(f"the reader process stopped unexpectedly (exit code {proc.exitcode})") from None
            yield from items
            if tag == "error":
                raise extra
            if progress is not None:
                progress(extra)
            if tag == "done":
                break
    finally:
        receiver.close()
        proc.join(timeout=5)
        if proc.is_alive():  # the consumer stopped early: nobody reads the pipe any more
            proc.terminate()
            proc.join()


def _produce(make_reader: Callable[[Progress | None], Stream], sender, inherited=None) -> None:
    die_with_parent()  # a killed importer takes its reader with it
    if inherited is not None:
        inherited.close()
    gc.disable()  # as in the importing process (service/imports.py): no cycles to find
    bytes_read = 0

    def progress(n: int) -> None:
        nonlocal bytes_read
        bytes_read = n

    batch: list = []
    try:
        try:
            for item in make_reader(progress):
                batch.append(prepare(item) if item.__class__ is Record else item)
                if len(batch) >= BATCH:
                    sender.send_bytes(pickle.dumps(("batch", batch, bytes_read), protocol=5))
                    batch = []
            sender.send_bytes(pickle.dumps(("done", batch, bytes_read), protocol=5))
        except OSError as e:
            if isinstance(e, (BrokenPipeError, ConnectionError)):
                return  # the importing process stopped reading (an error of its own, or ^C)
            raise
    except Exception as e:  # noqa: BLE001 - every reader error travels to the importing process
        try:
            sender.send_bytes(_error_payload(batch, e))
        except OSError:
            pass  # nobody is listening any more
    finally:
        sender.close()


def _error_payload(batch: list, e: Exception) -> bytes:
    try:
        return pickle.dumps(("error", batch, e), protocol=5)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
        return pickle.dumps(("error", batch, RuntimeError(f"{type(e).__name__}: {e}")), protocol=5)


def _widen(pipe) -> None:
    """A 1 MB pipe instead of 64 kB: the reader keeps reading while a large insert runs
    here (without it, both processes wait for each other at every batch)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or a lower limit: smaller steps, same result
