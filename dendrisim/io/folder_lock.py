"""One run per results folder: an exclusive ``flock`` on ``<folder>/.dendrisim.lock``.

``fcntl.flock`` (the standard library, no dependency): the kernel releases the lock when
the process ends in any way (exit, crash, SIGKILL), so a lock can never go stale, and a
free lock under a manifest saying ``running`` means that run was killed. flock locks
belong to an open file description, so two opens in one process also exclude each other
(tests run both sides in one process). On NFS, Linux maps flock to POSIX locks (one lock
across nodes). Only rank 0 takes the lock: only rank 0 writes the folder's files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
from pathlib import Path

from dendrisim.core.errors import OutputError, ResultsExistError

LOCK_NAME = ".dendrisim.lock"


def _owner_text(path: Path) -> str:
    """'pid N on HOST since T' as written by the lock holder, or ''."""
    try:
        return path.read_text("utf-8", errors="replace").strip()
    except OSError:
        return ""


class FolderLock:
    """An exclusive lock on a results folder, held from :meth:`acquire` to :meth:`release`."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock now or raise ResultsExistError (nothing in the folder is changed)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            raise OutputError(f"{self.folder}: cannot write the results folder ({why})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            owner = _owner_text(self.path)
            raise ResultsExistError(
                f"{self.folder} is in use by another dendrisim run"
                + (f" ({owner})" if owner else "")
                + "; wait for it to end or write elsewhere with --out DIR"
            ) from None
        self.fd = fd
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with contextlib.suppress(OSError):  # the owner note is informative only
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode())
        return self

    def release(self) -> None:
        """Free the lock (the lock file stays: removing it would race with a new taker)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self.fd is not None


def is_locked(folder: str | Path) -> bool:
    """True if a live run holds ``folder``'s lock (probed without keeping it)."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
