"""The audit trail of learned changes: one JSON line per change, appended, never rewritten.

Each line holds the time, the platform, the moderator's display name (never a user id),
the change, the file and line it landed on, and the eval figures before and after. It
lives beside the FAQ by default, so it travels with the FAQ (shared volume or git).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.errors import LearnError

__all__ = ["HISTORY_FILE", "Record", "append", "read", "render"]

HISTORY_FILE = "learn-history.jsonl"


@dataclass(frozen=True, slots=True)
class Record:
    """One learned change, as the audit trail keeps it.

    Attributes:
        at: When (UTC, ISO 8601).
        platform: Where the moderator taught it: cli, telegram, discord, console.
        moderator: The moderator's display name.
        change: The change's kind (`bot.learn.changes.ChangeKind`).
        phrasing: The wording written.
        entry_id: The entry, for an alternate.
        file: The FAQ file changed (its name only).
        line: The line the phrasing is (or was) on.
        before: Eval figures before: {"accuracy": x, "refusal": y}, or None without a set.
        after: Eval figures after, likewise.
        forced: Written despite the eval gate (`--force`).
        commit: The git commit made for it, if any.
    """

    at: str
    platform: str
    moderator: str
    change: str
    phrasing: str
    entry_id: str | None
    file: str
    line: int
    before: dict[str, float] | None = None
    after: dict[str, float] | None = None
    forced: bool = False
    commit: str | None = None

    def describe(self) -> str:
        """One line for `faqbot learn history`."""
        when = self.at.replace("T", " ")[:16] + " UTC"
        what = {
            "add": f"added “{self.phrasing}” to {self.entry_id}",
            "remove": f"removed “{self.phrasing}” from {self.entry_id} (undo)",
            "out-of-scope": f"out of scope: “{self.phrasing}”",
            "remove-out-of-scope": f"no longer out of scope: “{self.phrasing}” (undo)",
        }.get(self.change, f"{self.change} “{self.phrasing}”")
        where = f" ({self.file}:{self.line})" if self.line else f" ({self.file})"
        forced = " [forced past the eval gate]" if self.forced else ""
        return f"{when}  {self.platform:<8} {self.moderator}: {what}{where}{forced}"


def now_iso() -> str:
    """Return the current UTC time as the trail writes it."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def append(path: Path, record: Record) -> None:
    """Append one record (the caller holds the FAQ's write lock).

    Raises:
        LearnError: The trail cannot be written (names the file and the setting).
    """
    line = json.dumps(asdict(record), ensure_ascii=False, sort_keys=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise LearnError(
            f"{path}: cannot append to the learning history: {exc.strerror or exc} "
            "(FAQBOT_LEARN_HISTORY chooses the file)"
        ) from exc


def read(path: Path) -> list[Record]:
    """Read every record, oldest first (none when the file does not exist yet).

    Raises:
        LearnError: A line is not a record (names file and line).
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise LearnError(f"{path}: cannot read the learning history: {exc.strerror}") from exc
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            records.append(Record(**data))
        except (ValueError, TypeError) as exc:
            raise LearnError(f"{path}:{number}: not a learning record ({exc})") from exc
    return records


def render(records: list[Record]) -> str:
    """Return the trail as text, oldest first."""
    if not records:
        return "No learned changes yet."
    return "\n".join(r.describe() for r in records)
