"""What `learn` can change in the FAQ: one phrasing in, or back out again (undo)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Change", "ChangeKind"]


class ChangeKind(StrEnum):
    """The kinds of change `learn` makes; the last two only undo the first two."""

    ADD = "add"
    OUT_OF_SCOPE = "out-of-scope"
    REMOVE = "remove"
    REMOVE_OUT_OF_SCOPE = "remove-out-of-scope"


@dataclass(frozen=True, slots=True)
class Change:
    """One change to the FAQ file.

    Attributes:
        kind: What happens.
        phrasing: The wording, as the moderator confirmed it.
        entry_id: The entry (add, remove); None for out-of-scope changes.
        note: For out-of-scope: start a new block with this note instead of adding the
            phrasing to the nearest block.
    """

    kind: ChangeKind
    phrasing: str
    entry_id: str | None = None
    note: str | None = None

    @classmethod
    def add(cls, entry_id: str, phrasing: str) -> Change:
        """Add a phrasing as an alternate of an entry."""
        return cls(ChangeKind.ADD, phrasing, entry_id)

    @classmethod
    def out_of_scope(cls, phrasing: str, note: str | None = None) -> Change:
        """Add a phrasing to the FAQ's out-of-scope list."""
        return cls(ChangeKind.OUT_OF_SCOPE, phrasing, None, note)

    @property
    def adds(self) -> bool:
        """True for a change that adds a phrasing (not an undo)."""
        return self.kind in (ChangeKind.ADD, ChangeKind.OUT_OF_SCOPE)

    def inverse(self) -> Change:
        """Return the change that takes this one back."""
        kind = {
            ChangeKind.ADD: ChangeKind.REMOVE,
            ChangeKind.REMOVE: ChangeKind.ADD,
            ChangeKind.OUT_OF_SCOPE: ChangeKind.REMOVE_OUT_OF_SCOPE,
            ChangeKind.REMOVE_OUT_OF_SCOPE: ChangeKind.OUT_OF_SCOPE,
        }[self.kind]
        return Change(kind, self.phrasing, self.entry_id, self.note)

    def describe(self) -> str:
        """One line for people: what the change does."""
        if self.kind is ChangeKind.ADD:
            return f"added “{self.phrasing}” to {self.entry_id}"
        if self.kind is ChangeKind.REMOVE:
            return f"removed “{self.phrasing}” from {self.entry_id}"
        if self.kind is ChangeKind.OUT_OF_SCOPE:
            return f"added “{self.phrasing}” to the out-of-scope phrasings"
        return f"removed “{self.phrasing}” from the out-of-scope phrasings"
