"""The whole life of an adapter as an async context manager: started on entry, stopped on exit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["Lifecycle"]


class Lifecycle:
    """`async with adapter:` starts it and always stops it (stop is safe to call twice)."""

    async def start(self) -> None:
        """Connect; on failure, leave nothing open and raise."""
        raise NotImplementedError

    async def stop(self) -> None:
        """Finish work in flight and disconnect; calling it again does nothing."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
