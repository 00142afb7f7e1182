"""One writer at a time per data folder, across processes and engines.

A reindex holds ``writer_lock``; the kernel releases it if the writer dies, and
processes forked while it is held (index build workers) neither keep it nor outlive it.
"""
from __future__ import annotations

import fcntl
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import IndexLocked


def _lock_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / "indexes"


# Worker processes forked while a writer holds the lock (Whoosh's MpWriter) must neither
# keep the lock alive nor outlive a writer that was killed: after a fork the child closes
# its copies of the lock descriptors and asks the kernel to kill it when its parent dies.
_HELD_LOCK_FDS: set[int] = set()
_FORK_HOOK_INSTALLED = False


def _after_fork_in_child() -> None:
    for fd in list(_HELD_LOCK_FDS):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCK_FDS.clear()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _install_fork_hook() -> None:
    global _FORK_HOOK_INSTALLED
    if not _FORK_HOOK_INSTALLED:
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _FORK_HOOK_INSTALLED = True


@contextmanager
def writer_lock(data_dir: str | Path) -> Iterator[None]:
    """One writer at a time, across processes; a killed writer's lock dies with it."""
    _install_fork_hook()
    root = _lock_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / "writer.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise IndexLocked(f"the index is being written by {holder}; wait for it to finish") from None
    _HELD_LOCK_FDS.add(handle.fileno())
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}")
        handle.flush()
        yield
    finally:
        _HELD_LOCK_FDS.discard(handle.fileno())
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


