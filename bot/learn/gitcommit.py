"""Commit a learned change when the FAQ folder is a git checkout (FAQBOT_LEARN_GIT_COMMIT)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bot.errors import LearnError

__all__ = ["commit"]

log = logging.getLogger(__name__)

_TIMEOUT = 30.0
# Used only when the checkout has no identity of its own configured.
_FALLBACK_IDENTITY = ("-c", "user.name=faqbot learn", "-c", "user.email=faqbot@localhost")


def commit(folder: Path, files: Sequence[Path], message: str) -> str | None:
    """Commit exactly `files` with `message`; return the commit id.

    Only the given files are committed, whatever else is staged or changed in the checkout.
    Pushing is left to the checkout's own set-up (a post-commit hook, or a person).

    Returns:
        The new commit's id, or None when `folder` is not inside a git work tree.

    Raises:
        LearnError: git is missing or the commit failed (the FAQ change itself is written).
    """
    if shutil.which("git") is None:
        raise LearnError("FAQBOT_LEARN_GIT_COMMIT is on but git is not installed")
    inside = _git(folder, "rev-parse", "--is-inside-work-tree", check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    paths = [str(f.resolve()) for f in files]
    _git(folder, "add", "--", *paths)
    identity: tuple[str, ...] = ()
    if _git(folder, "config", "user.email", check=False).returncode != 0:
        identity = _FALLBACK_IDENTITY
    _git(folder, *identity, "commit", "--quiet", "--only", "-m", message, "--", *paths)
    return _git(folder, "rev-parse", "HEAD").stdout.strip()


def _git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LearnError(f"{folder}: git {_command(args)} failed: {exc}") from exc
    if check and done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout).split()) or f"exit {done.returncode}"
        raise LearnError(f"{folder}: git {_command(args)} failed: {detail}")
    return done


def _command(args: tuple[str, ...]) -> str:
    """Return the git subcommand among the arguments (past `-c name=value` options)."""
    return next((a for a in args if not a.startswith("-") and "=" not in a), "")
