"""The local console chat: the same core, in a terminal or a pipe."""

from __future__ import annotations

from typing import TextIO

from adapters.plaintext import render_reply, render_sources, render_topic, render_topics
from bot import messages
from bot.service import FaqService

__all__ = ["COMMANDS", "ConsoleChat"]

COMMANDS = (
    "Commands: /topic NAME, /topics, /sources, /help, /quit. "
    "Anything else is a question; a number picks one of the questions just offered."
)


class ConsoleChat:
    """A line-oriented chat session over a FaqService."""

    def __init__(self, service: FaqService) -> None:
        """Start a session; `choices` remembers the numbered questions last offered."""
        self.service = service
        self.choices: list[str] = []

    def handle(self, line: str) -> str | None:
        """Answer one line of input.

        Args:
            line: What the user typed.

        Returns:
            The text to print, or None when the user asked to quit.
        """
        text = line.strip()
        command, _, arg = text.partition(" ")
        command = command.casefold()
        if command in ("/quit", "/exit", "/q"):
            return None
        if command in ("/help", "/start"):
            return f"{messages.HELP}\n{COMMANDS}"
        if command == "/topics":
            return (
                render_topics(self.service.topics()) + "\n\nUse /topic NAME to list its questions."
            )
        if command == "/sources":
            return render_sources(self.service.sources())
        if command == "/topic":
            out, self.choices = render_topic(self.service.topic(arg))
            return out
        if text.isdigit() and self.choices:
            index = int(text) - 1
            if 0 <= index < len(self.choices):
                reply = self.service.show(self.choices[index])
                if reply is None:
                    self.choices = []
                    return messages.STALE
                out, self.choices = render_reply(reply)
                return out
        if command.startswith("/") and command not in ("/ask",):
            return f"Unknown command {command}. {COMMANDS}"
        reply = self.service.ask(arg if command == "/ask" else text, platform="console")
        out, self.choices = render_reply(reply)
        if reply.is_help:
            out += f"\n{COMMANDS}"
        return out

    def run(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> None:
        """Read questions until /quit or end of input.

        Args:
            stdin: Where questions come from.
            stdout: Where answers go.
            interactive: Show a banner and prompt (off when input is a pipe).
        """
        if interactive:
            stdout.write(f"{messages.HELP}\n{COMMANDS}\n")
        while True:
            if interactive:
                stdout.write("\nyou> ")
                stdout.flush()
            line = stdin.readline()
            if not line:
                break
            if not line.strip():
                continue
            out = self.handle(line)
            if out is None:
                break
            stdout.write(out + "\n" + ("" if interactive else "\n"))
            stdout.flush()
