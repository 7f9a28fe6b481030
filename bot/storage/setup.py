"""Build the stores from the settings: the one place that knows which database is used."""

from __future__ import annotations

import logging

from bot.settings import Settings
from bot.state import Hasher, MemoryState, SharedState
from bot.storage.files import default_data_dir
from bot.storage.postgres import PostgresStore
from bot.storage.qlog import QuestionLog
from bot.storage.sqlite import SqliteStore
from bot.storage.store import Store
from bot.storage.url import DatabaseUrl, parse_database_url

__all__ = [
    "database_url",
    "make_hasher",
    "make_store",
    "open_question_log",
    "open_shared_state",
    "stored_secrets",
]

log = logging.getLogger(__name__)

LOG_FILE = "questions.sqlite3"


def database_url(settings: Settings) -> DatabaseUrl:
    """Return the database in use: FAQBOT_DATABASE_URL, else FAQBOT_LOG_PATH, else the data dir.

    Raises:
        StorageError: `FAQBOT_DATABASE_URL` is not a URL this bot understands.
    """
    if settings.database_url is not None:
        return parse_database_url(settings.database_url.get_secret_value())
    if settings.log_path is not None:
        return DatabaseUrl.sqlite(settings.log_path)
    return DatabaseUrl.sqlite((settings.data_dir or default_data_dir()) / LOG_FILE)


def make_store(settings: Settings) -> Store:
    """Return the question log's store (nothing is opened or created yet)."""
    url = database_url(settings)
    if url.kind == "postgresql":
        return PostgresStore(url)
    assert url.path is not None
    setting = (
        "FAQBOT_DATABASE_URL"
        if settings.database_url is not None
        else "FAQBOT_LOG_PATH"
        if settings.log_path is not None
        else "FAQBOT_DATA_DIR"
    )
    return SqliteStore(url.path, setting=setting)


def open_question_log(settings: Settings) -> QuestionLog | None:
    """Start the question log the settings ask for (None when it is turned off).

    Never fails because of the database itself: an unreachable, locked or read-only one is
    logged and retried by the log's writer while the bot answers.
    """
    if not settings.log_enabled:
        return None
    return QuestionLog(
        make_store(settings),
        store_text=settings.log_questions,
        store_ids=settings.log_user_ids,
        retention_days=settings.log_retention_days,
        queue_size=settings.log_queue_size,
    )


def open_shared_state(settings: Settings) -> SharedState:
    """Rate-limit and vote state: the database when it is PostgreSQL, else memory.

    A SQLite file serves one process, where memory is faster and keeps nothing on disk.
    """
    url = database_url(settings)
    if url.kind != "postgresql":
        return MemoryState()
    from bot.storage.pgstate import PostgresState  # needs psycopg_pool: only when used

    if settings.hash_secret is None:
        log.warning(
            "FAQBOT_HASH_SECRET is not set: this replica hashes with a random key of its own, "
            "so limits and votes are not shared with other replicas"
        )
    return PostgresState(url, pool_size=settings.database_pool_size)


def make_hasher(settings: Settings) -> Hasher:
    """Return the keyed daily hash of ids (a random key when FAQBOT_HASH_SECRET is unset)."""
    secret = settings.hash_secret.get_secret_value().encode() if settings.hash_secret else None
    return Hasher(secret)


def stored_secrets(settings: Settings) -> list[str]:
    """Secrets of the storage settings, for log redaction (hash secret, database password)."""
    found = []
    if settings.hash_secret is not None:
        found.append(settings.hash_secret.get_secret_value())
    if settings.database_url is not None:
        try:
            password = database_url(settings).password
        except Exception:  # an unparsable URL is reported elsewhere; redact what we can
            password = None
        if password:
            found.append(password)
    return found
