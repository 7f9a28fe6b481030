"""Where the bot keeps what it must: the question log, votes, and state shared by replicas.

SQLite (one file, the zero-setup default) or PostgreSQL (`FAQBOT_DATABASE_URL`), chosen
in `bot.storage.setup`.
"""

from bot.storage.qlog import QuestionLog
from bot.storage.schema import SCHEMA_VERSION, LoggedPick, LoggedQuestion, SchemaStatus
from bot.storage.setup import (
    database_url,
    make_hasher,
    make_store,
    open_question_log,
    open_shared_state,
    stored_secrets,
)
from bot.storage.store import LogReader, Store
from bot.storage.url import DatabaseUrl, parse_database_url

__all__ = [
    "SCHEMA_VERSION",
    "DatabaseUrl",
    "LogReader",
    "LoggedPick",
    "LoggedQuestion",
    "QuestionLog",
    "SchemaStatus",
    "Store",
    "database_url",
    "make_hasher",
    "make_store",
    "open_question_log",
    "open_shared_state",
    "parse_database_url",
    "stored_secrets",
]
