"""The FAQ on disk: which files it is, one writer at a time, and replacing a file atomically."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bot.errors import LearnError

__all__ = ["LOCK_FILE", "faq_files", "faq_folder", "replace_atomically", "write_lock"]

LOCK_FILE = ".faqbot-learn.lock"


def faq_files(path: Path) -> list[Path]:
    """Return the files the loader reads for this FAQ path (a file, or a folder's `*.yaml`)."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.yaml") if p.is_file())
    return [path]


def faq_folder(path: Path) -> Path:
    """Return the folder the FAQ lives in (the lock, the history and git work there)."""
    return path if path.is_dir() else path.parent


@contextlib.contextmanager
def write_lock(folder: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold the FAQ's write lock: two learned changes never interleave.

    The lock is a separate file in the FAQ's folder (the FAQ file itself is replaced by a
    rename, so a lock on it would be a lock on a file that is gone). Every process that
    writes through `learn`, on this machine or on a shared volume, takes the same lock.

    Raises:
        LearnError: The lock could not be taken within `timeout` seconds.
    """
    lock = folder / LOCK_FILE
    try:
        # Group-writable: the bot's user and a moderator's login may both teach.
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o660)
    except OSError as exc:
        raise LearnError(f"{lock}: cannot create the write lock: {exc.strerror}") from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise LearnError(f"{lock}: cannot lock: {exc.strerror}") from exc
                if time.monotonic() > deadline:
                    raise LearnError(
                        f"{lock}: another change to the FAQ is being written; try again"
                    ) from exc
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def replace_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`.

    Readers (and the live reload) see the old file or the new one, never half of one. The
    file keeps its permissions.

    Raises:
        LearnError: The folder is not writable (e.g. a read-only volume).
    """
    folder = path.parent
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o644
    try:
        # A name the loader never reads (not *.yaml), so a folder FAQ is never half-merged.
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".learn-tmp", dir=folder)
    except OSError as exc:
        raise LearnError(
            f"{path}: cannot write the FAQ: {exc.strerror} (docs/deploy.md: the FAQ "
            "must be writable where learn runs)"
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise LearnError(f"{path}: cannot write the FAQ: {exc.strerror}") from exc
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
