"""The FAQ file's vocabulary: value types with their rules, the file's top level, validation.

The domain classes in `bot.models` are annotated with these types and validated straight
from YAML data (pydantic validates the frozen dataclasses themselves), so the FAQ is
modelled once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field, Strict, StringConstraints, TypeAdapter

from bot.text import reflow

__all__ = ["CONFIG", "Answer", "FileShape", "Slug", "Text", "validate"]

# Unknown keys are errors; scalars are strict below, so YAML 1.1 surprises (a bare `no`
# read as a boolean) fail instead of becoming the text "False".
CONFIG = ConfigDict(extra="forbid")

Slug = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)
]
Text = Annotated[str, Strict(), StringConstraints(strip_whitespace=True, min_length=1)]
# Answers are stored reflowed: the file's line wrapping never reaches a user.
Answer = Annotated[Text, AfterValidator(reflow)]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FileShape:
    """The top level of one file; list items are validated one by one by the loader."""

    __pydantic_config__: ClassVar[ConfigDict] = CONFIG

    version: Literal[1]
    sources: list[Any] = field(default_factory=list)
    topics: list[Any] = field(default_factory=list)
    synonyms: list[Annotated[list[Text], Field(min_length=2)]] = field(default_factory=list)
    entries: list[Any] = field(default_factory=list)
    safety: dict[str, Any] | None = None
    out_of_scope: list[Any] = field(default_factory=list)
    retired: dict[Slug, Slug] = field(default_factory=dict)


def validate(kind: type[_T], raw: Any) -> _T:
    """Validate plain YAML data into an instance of a model class.

    Raises:
        pydantic.ValidationError: With every problem found.
    """
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        # Building an adapter costs milliseconds; a reload validates hundreds of items.
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    result: _T = adapter.validate_python(raw)
    return result


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}
