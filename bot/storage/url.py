"""`FAQBOT_DATABASE_URL`: which store, and how to name it in a log without its password."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from bot.errors import StorageError

__all__ = ["DatabaseUrl", "parse_database_url"]

_ACCEPTED = "sqlite:///PATH (relative), sqlite:////PATH (absolute) or postgresql://USER@HOST/DB"


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A parsed database URL.

    Attributes:
        kind: "sqlite" or "postgresql".
        path: The SQLite file (None for PostgreSQL).
        conninfo: What psycopg connects with (None for SQLite); may hold a password.
    """

    kind: Literal["sqlite", "postgresql"]
    path: Path | None = None
    conninfo: str | None = None

    @classmethod
    def sqlite(cls, path: str | Path) -> DatabaseUrl:
        """Return the URL of a SQLite file."""
        return cls("sqlite", path=Path(path))

    @property
    def display(self) -> str:
        """The URL with any password replaced, safe for logs and error messages."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        assert self.conninfo is not None
        parts = urlsplit(self.conninfo)
        if parts.password is None:
            return self.conninfo
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def password(self) -> str | None:
        """The password in the URL, if any (so log lines can be redacted)."""
        return urlsplit(self.conninfo).password if self.conninfo else None


def parse_database_url(url: str) -> DatabaseUrl:
    """Parse `sqlite:///relative`, `sqlite:////absolute` or `postgresql://…` (libpq URI).

    Raises:
        StorageError: The scheme is not one of those; the message names the setting.
    """
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
        # As in SQLAlchemy: three slashes then a relative path, four for an absolute one.
        return DatabaseUrl.sqlite(rest[1:])
    if sep and scheme in ("postgresql", "postgres"):
        return DatabaseUrl("postgresql", conninfo=url)
    shown = _shown(url)
    raise StorageError(f"FAQBOT_DATABASE_URL={shown!r} is not understood; use {_ACCEPTED}")


def _shown(url: str) -> str:
    """Show an unparsed URL without a password (for the error about it)."""
    try:
        parts = urlsplit(url)
        if parts.password:
            return url.replace(parts.password, "***")
    except ValueError:
        return "<unparsable>"
    return url
