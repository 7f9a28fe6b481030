"""`faqbot learn`: teach the bot from what people asked (see README, "Teaching the bot")."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from dataclasses import asdict

from bot import messages
from bot.errors import FaqBotError, KnowledgeError, LearnError
from bot.learn import Change, Learner
from bot.learn.candidates import build_candidates, find_candidate, render_candidates
from bot.learn.history import read, render
from bot.learn.setup import learn_config
from bot.service import FaqService, semantic_model
from bot.settings import Settings
from bot.storage import make_store
from bot.storage.schema import IgnoreRow
from bot.storage.store import Store
from bot.text import phrasing_key

__all__ = ["add_learn_parser", "phrasings", "run_learn"]


def add_learn_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add `learn` and its subcommands to the `faqbot` parser."""
    learn = sub.add_parser("learn", parents=[common], help="teach the bot from what people asked")
    verbs = learn.add_subparsers(dest="learn_command", metavar="SUBCOMMAND", required=True)
    listing = verbs.add_parser(
        "list", parents=[common], help="candidates from the question log, with stable ids"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--limit", type=int, default=None, help="show at most N")
    add = verbs.add_parser(
        "add", parents=[common], help="add a phrasing as an alternate of an entry"
    )
    add.add_argument(
        "entry",
        metavar="ENTRY_ID",
        help="the id of the entry to add to, as in the FAQ file (faqbot ask --json QUESTION shows "
        "which entry answers a question)",
    )
    words_help = (
        "a phrasing; unquoted words make one phrasing, and several quoted phrasings "
        'are taken one by one ("why do they stay" "how come they stay")'
    )
    add.add_argument("phrasing", nargs="+", metavar="PHRASING", help=words_help)
    scope = verbs.add_parser(
        "out-of-scope", parents=[common], help="refuse a phrasing and its close paraphrases"
    )
    scope.add_argument("phrasing", nargs="+", metavar="PHRASING", help=words_help)
    scope.add_argument(
        "--note",
        help="put the phrasings in the out-of-scope group with this one-line note (a new "
        "group unless one already has it)",
    )
    for writer in (add, scope):
        writer.add_argument(
            "--yes",
            action="store_true",
            help="write without asking you to confirm the wording (for scripts)",
        )
        writer.add_argument(
            "--force", action="store_true", help="write even if the eval figures drop too far"
        )
        writer.add_argument(
            "--by", metavar="NAME", help="who teaches it, for the history (default: your login)"
        )
    ignore = verbs.add_parser("ignore", parents=[common], help="hide a candidate")
    ignore.add_argument("candidate", metavar="ID")
    hist = verbs.add_parser("history", parents=[common], help="every learned change")
    hist.add_argument("--json", action="store_true", help="print JSON lines")


def run_learn(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `faqbot learn` subcommand; returns the exit code."""
    command = args.learn_command
    if command == "list":
        return _list(settings, as_json=args.json, limit=args.limit)
    if command == "ignore":
        return _ignore(settings, args.candidate)
    if command == "history":
        return _history(settings, as_json=args.json)
    if command == "add":
        changes = [Change.add(args.entry, p) for p in phrasings(args.phrasing)]
    else:
        changes = [Change.out_of_scope(p, args.note) for p in phrasings(args.phrasing)]
    return _write(settings, changes, confirmed=args.yes, force=args.force, by=args.by)


def phrasings(parts: list[str]) -> list[str]:
    """Split the command line's PHRASING arguments into phrasings.

    A shell gives `learn add ID why do they stay` as four words of one phrasing, and
    `learn add ID "why do they stay" "how come they stay"` as two phrasings. Mixed input
    (`why "north korea" bans`) could mean either, so it is refused.

    Raises:
        LearnError: Some arguments hold several words and some only one.
    """
    several = [len(p.split()) > 1 for p in parts]
    if len(parts) < 2 or not any(several):
        return [" ".join(parts)]
    if not all(several):
        raise LearnError(
            "give one phrasing unquoted (learn add ID why do they stay) or quote each "
            'phrasing whole ("why do they stay" "how come they stay"); a one-word phrasing '
            "beside quoted ones needs a call of its own"
        )
    keys = [phrasing_key(p) for p in parts]
    twice = next((p for p, k in zip(parts, keys, strict=True) if keys.count(k) > 1), None)
    if twice is not None:
        raise LearnError(f"“{twice}” is given twice; nothing written")
    return parts


def _write(
    settings: Settings, changes: list[Change], *, confirmed: bool, force: bool, by: str | None
) -> int:
    model = semantic_model(settings)
    if model is not None:
        model.load()  # checks and the gate then measure the bot as it answers
    learner = Learner(learn_config(settings, semantic=model))
    # Refuse early, before asking anything: a phrasing refused here writes none of them.
    changes = [learner.check(change) for change in changes]
    if not confirmed and not sys.stdin.isatty():
        print(
            "faqbot: learn writes to the FAQ file: confirm the wording at a terminal, or add --yes",
            file=sys.stderr,
        )
        return 2
    written = 0
    for change in changes:
        if not confirmed:
            reworded = _confirm(change, learner)
            if reworded is None:
                if len(changes) > 1:
                    print(f"Not written: “{change.phrasing}”.")
                continue
            change = reworded
        try:
            applied = learner.apply(change, moderator=by or _login(), platform="cli", force=force)
        except LearnError:
            if written:
                # The eval gate measures each phrasing as it is written: say what stays.
                print(f"Written: {written} of {len(changes)}; the rest were not.")
            raise
        print(applied.summary())
        written += 1
    if not written:
        print("Nothing written.")
        return 1
    return 0


def _confirm(change: Change, learner: Learner) -> Change | None:
    """Show the wording; Enter keeps it, a new line replaces it, "n" cancels."""
    while True:
        target = (
            f"Add to {change.entry_id}:"
            if change.entry_id
            else "Refuse as out of scope (and close paraphrases):"
        )
        print(f"{target}\n  {change.phrasing}\n{messages.TEACH_PRIVACY}")
        answer = input('Enter writes it; type a new wording to change it, or "n" to cancel: ')
        answer = answer.strip()
        if answer.casefold() in ("n", "no"):
            return None
        if not answer:
            return change
        try:
            change = learner.check(Change(change.kind, answer, change.entry_id, change.note))
        except LearnError as exc:
            print(f"faqbot: {exc}", file=sys.stderr)


def _list(settings: Settings, *, as_json: bool, limit: int | None) -> int:
    store = make_store(settings)  # only read: nothing is created or migrated
    candidates = build_candidates(store, _service_or_none(settings))
    if as_json:
        print(json.dumps([c.to_json() for c in candidates], ensure_ascii=False))
    else:
        print(render_candidates(candidates, limit))
    return 0


def _ignore(settings: Settings, candidate_id: str) -> int:
    store = make_store(settings)
    candidate = find_candidate(build_candidates(store, _service_or_none(settings)), candidate_id)
    if candidate is None:
        raise LearnError(f"no candidate {candidate_id!r} (faqbot learn list shows them)")
    _write_ignore(store, candidate_id)
    print(f"Hidden {candidate_id}: “{candidate.wording}”.")
    return 0


def _write_ignore(store: Store, candidate_id: str) -> None:
    store.open()  # the bot created the log; this only migrates it if it is older
    try:
        store.write([], [], (), [IgnoreRow(candidate_id, time.time())])
    finally:
        store.close()


def _history(settings: Settings, *, as_json: bool) -> int:
    records = read(learn_config(settings).history_path)
    if as_json:
        for record in records:
            print(json.dumps(asdict(record), ensure_ascii=False))
    else:
        print(render(records))
    return 0


def _service_or_none(settings: Settings) -> FaqService | None:
    try:
        service = FaqService.from_settings(settings)
    except KnowledgeError as exc:
        print(
            f"faqbot: warning: the FAQ has {len(exc.issues)} error(s) (faqbot validate lists "
            "them); candidates are shown without their entries",
            file=sys.stderr,
        )
        return None
    service.load_semantic()  # "now answered?" as the bot would answer
    return service


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, FaqBotError):
        return "cli"
