"""Settings that people cannot break by accident: one line per bad value, naming it.

pydantic-settings reports a bad environment value as a multi-line ValidationError about a
field, or as a SettingsError about a "source". People set environment variables, so the
message must name the variable, what it was set to, and what is accepted.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings
from pydantic_settings.exceptions import SettingsError

from bot.errors import FaqBotError

__all__ = ["SettingsProblem", "load_settings"]

_S = TypeVar("_S", bound=BaseSettings)
_FIELD = re.compile(r'field "(\w+)"')


class SettingsProblem(FaqBotError):
    """A setting has a value the bot cannot use; the message is one line per problem."""


def load_settings(cls: type[_S], **overrides: Any) -> _S:
    """Read settings from the environment and `.env`, explaining any bad value in one line.

    Raises:
        SettingsProblem: Naming each variable, its value and the accepted values.
    """
    prefix = str(cls.model_config.get("env_prefix", ""))
    try:
        return cls(**overrides)
    except ValidationError as exc:
        lines = [_explain(prefix, err) for err in exc.errors()]
        raise SettingsProblem("; ".join(lines)) from None
    except SettingsError as exc:
        found = _FIELD.search(str(exc))
        name = f"{prefix}{found[1].upper()}" if found else f"a {prefix}* setting"
        raise SettingsProblem(
            f"{name}: cannot be read (lists are JSON, e.g. [123, 456]; leave it empty for none)"
        ) from None


def _explain(prefix: str, err: Any) -> str:
    loc = [str(part) for part in err.get("loc", ()) if not str(part).isdigit()]
    name = f"{prefix}{loc[0].upper()}" if loc else f"{prefix}*"
    given = err.get("input")
    shown = "" if isinstance(given, dict) or given is None else f"={given!s:.60}"
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{name}{shown}: {message}"
