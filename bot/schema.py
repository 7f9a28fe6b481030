"""The version-1 FAQ file schema as pydantic models (strict: YAML 1.1 surprises fail)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["EntryModel", "FileModel", "SourceModel", "SourceRefModel", "TopicModel"]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SourceModel(_Strict):
    """A document answers cite."""

    id: Slug
    title: Text
    author: Text | None = None
    published: Annotated[dt.date | None, Field(strict=False)] = None
    url: Text | None = None
    sections: list[Text] = []


class TopicModel(_Strict):
    """A group of entries."""

    id: Slug
    title: Text
    summary: Text


class SourceRefModel(_Strict):
    """A citation: a source id and optionally one of its sections."""

    source: Slug
    section: Text | None = None


class EntryModel(_Strict):
    """One question with its answer."""

    id: Slug
    topic: Slug
    question: Text
    alternates: list[Text] = []
    answer: Text
    sources: Annotated[list[SourceRefModel], Field(min_length=1)]
    related: list[Slug] = []


class FileModel(_Strict):
    """The top level of one file; list items are validated one by one elsewhere."""

    version: Literal[1]
    sources: list[object] = []
    topics: list[object] = []
    synonyms: list[Annotated[list[Text], Field(min_length=2)]] = []
    entries: list[object] = []
