"""The local console chat: the same conversation layer, in a terminal or a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import textwrap
from typing import TextIO

from adapters.plaintext import render_reply, render_sources, render_topic, render_topics
from bot import messages
from bot.conversation import (
    Action,
    Asker,
    Conversation,
    Notice,
    Privately,
    Report,
    Result,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
)

__all__ = ["COMMANDS", "ConsoleChat", "PromptSafeHandler"]

COMMANDS = (
    "Commands: /topic NAME, /topics, /sources, /privacy, /help, /quit. "
    "Anything else is a question; a number picks one of the questions just offered."
)
PROMPT = "you> "
_QUIT = {"/quit", "/exit", "/q", "quit", "exit", "bye", "q"}
_WHO = Asker("console", user_id="local", chat_id="console", private=True, local=True)


class ConsoleChat:
    """A line-oriented chat session over the conversation layer.

    The person at the console is the machine's operator, so they are trusted as a
    moderator and never rate-limited.
    """

    def __init__(self, conversation: Conversation, *, width: int | None = None) -> None:
        """Start a session; `choices` remembers the numbered questions last offered.

        When they were "did you mean" suggestions, `evidence` is their question's reference:
        picking one by number then teaches the bot, as a suggestion button does elsewhere.
        """
        self.conversation = conversation
        self.choices: list[str] = []
        self.evidence: str | None = None
        self.suggested = False
        self.width = width
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        """Release the session's event loop."""
        self._loop.close()

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
        if command in _QUIT and not arg:
            return None
        run = self._loop.run_until_complete
        conv = self.conversation
        if command in ("/help", "/start"):
            return f"{messages.HELP}\n\n{messages.PRIVACY_HINT}\n{COMMANDS}"
        if text.isdigit():
            return self._pick(int(text))
        simple = {
            "/topics": conv.topics,
            "/sources": conv.sources,
            "/privacy": conv.privacy,
            "/reload": conv.reload,
            "/unanswered": conv.unanswered,
        }
        if command in simple:
            return self._render(run(simple[command](_WHO)))
        if command == "/topic":
            return self._render(run(conv.topic(_WHO, arg)))
        if command.startswith("/") and command != "/ask":
            return f"Unknown command {command}. {COMMANDS}"
        result = run(conv.ask(_WHO, arg if command == "/ask" else text))
        out = self._render(result)
        if isinstance(result, Show) and result.reply.is_help:
            out += f"\n{COMMANDS}"
        return out

    def run(self, stdin: TextIO, stdout: TextIO, *, interactive: bool) -> None:
        """Read questions until /quit or end of input.

        Args:
            stdin: Where questions come from (a terminal line editor when interactive).
            stdout: Where answers go.
            interactive: Show a banner and prompt, keep line history (off for a pipe).
        """
        if interactive:
            _enable_history()
            stdout.write(f"{messages.HELP}\n{COMMANDS}\n")
        while True:
            line = _read(stdin, stdout, interactive)
            if line is None:
                break
            if not line.strip():
                continue
            out = self.handle(line)
            if out is None:
                break
            stdout.write(out + "\n" + ("" if interactive else "\n"))
            stdout.flush()

    def _pick(self, number: int) -> str:
        if not self.choices:
            return messages.NO_CHOICES
        if not 1 <= number <= len(self.choices):
            return messages.CHOICE_RANGE.format(count=len(self.choices))
        picked = self.choices[number - 1]
        if self.suggested:
            action = Action.suggestion(picked, self.evidence)
        else:
            action = Action.entry(picked)
        return self._render(
            self._loop.run_until_complete(self.conversation.click(_WHO, str(action)))
        )

    def _render(self, result: Result) -> str:
        if isinstance(result, Privately):
            result = result.inner
        if isinstance(result, Show):
            out, self.choices = render_reply(result.reply)
            self.suggested = bool(result.reply.suggestions)
            self.evidence = result.evidence
            return self._wrap(out)
        if isinstance(result, ShowTopic):
            out, self.choices = render_topic(result.topic)
            self.suggested, self.evidence = False, None
            return out
        if isinstance(result, ShowTopics):
            return f"{result.message}\n{render_topics(result.topics)}\n\n{messages.TOPIC_HOWTO}"
        if isinstance(result, ShowSources):
            return render_sources(result.sources)
        if isinstance(result, Notice | Report):
            if isinstance(result, Notice) and result.text == messages.STALE:
                self.choices = []
            if isinstance(result, Report) and result.buttons:  # no buttons in a terminal
                return self._wrap(f"{result.text}\n\n{messages.TEACH_CONSOLE}")
            return self._wrap(result.text)
        return ""

    def _wrap(self, text: str) -> str:
        if not self.width:
            return text
        return "\n".join(
            textwrap.fill(line, self.width, subsequent_indent=" " * _indent(line))
            if len(line) > self.width
            else line
            for line in text.splitlines()
        )


class PromptSafeHandler(logging.Handler):
    """Prints log lines above the prompt instead of over it (interactive console only)."""

    def __init__(self, stream: TextIO) -> None:
        """Write to `stream` (the terminal's stderr)."""
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        """Clear the prompt line, print the record, then draw the prompt and typing again."""
        try:
            typed = _line_buffer()
            self.stream.write(f"\r\x1b[K{self.format(record)}\n{PROMPT}{typed}")
            self.stream.flush()
        except Exception:
            self.handleError(record)


def terminal_width() -> int:
    """Return the terminal's width in columns (80 when unknown), capped for readability."""
    return min(shutil.get_terminal_size((80, 24)).columns, 100)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" 0123456789.[]-")) if line.startswith(" ") else 0


def _read(stdin: TextIO, stdout: TextIO, interactive: bool) -> str | None:
    if not interactive:
        line = stdin.readline()
        return line or None
    try:
        return input("\n" + PROMPT)
    except EOFError:
        stdout.write("\n")
        return None


def _enable_history() -> None:
    # Imported for its side effect (line editing, history); input() works without it.
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401


def _line_buffer() -> str:
    try:
        import readline
    except ImportError:
        return ""
    return readline.get_line_buffer()
