"""Where runtime data lives, created readable by its owner only."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import platformdirs

from bot.errors import StorageError

__all__ = ["default_data_dir", "private_dir", "private_file"]


def default_data_dir() -> Path:
    """Return the per-user data directory (e.g. `~/.local/share/faqbot` on Linux).

    Used when neither `FAQBOT_DATA_DIR` nor a database URL says otherwise, so running the
    bot from some folder never leaves a surprise `./data` with people's questions in it.
    """
    return platformdirs.user_data_path("faqbot", appauthor=False)


def private_file(path: Path, setting: str) -> None:
    """Make sure `path` exists as a file only its owner can read (0600), in a 0700 folder.

    Folders this creates are 0700; a folder that already exists is left as it is (it
    may be shared, like /tmp). A file that exists is tightened to 0600 when we own it.

    Args:
        path: The file.
        setting: The environment variable that chose it, named in errors.

    Raises:
        StorageError: The folder or file cannot be created (read-only, not a folder...).
    """
    try:
        _private_dirs(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            with contextlib.suppress(OSError):
                path.chmod(0o600)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StorageError(f"{path}: {reason} (set {setting} to a writable place)") from exc


def private_dir(folder: Path) -> None:
    """Create a folder and its missing parents readable by their owner only (0700).

    Folders that already exist are left as they are.

    Raises:
        OSError: A folder cannot be created.
    """
    _private_dirs(folder)


def _private_dirs(folder: Path) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700)
        made.chmod(0o700)  # mkdir's mode is masked by the umask
