"""The `faqbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from adapters.console import ConsoleChat, PromptSafeHandler, terminal_width
from adapters.http_health import health_in_thread
from adapters.learn_cli import add_learn_parser, run_learn
from adapters.plaintext import render_reply, render_sources, render_topics
from adapters.platform_settings import configured_secrets
from adapters.runner import configured_adapters, configured_moderators, serve
from adapters.scaffold import scaffold
from bot.contract import reply_to_json
from bot.conversation import Conversation, RatePolicy
from bot.errors import FaqBotError, KnowledgeError
from bot.evaluate import EvalCase, EvalReport, evaluate, held_out, load_cases
from bot.learn import Learner
from bot.learn.setup import learn_config
from bot.loader import load_knowledge
from bot.logsetup import configure_logging
from bot.report import build_report, render_report
from bot.service import FaqService
from bot.settings import Settings
from bot.settings_errors import load_settings
from bot.state import Budget
from bot.storage import (
    Store,
    database_url,
    make_hasher,
    make_store,
    open_question_log,
    open_shared_state,
    stored_secrets,
)
from bot.storage.files import default_data_dir
from bot.storage.postgres import PostgresStore
from bot.storage.setup import LOG_FILE
from bot.storage.sqlite import SqliteStore
from bot.untuned import load_untuned
from bot.watch import watch_in_thread
from faqbot_knowledge import shipped_devset

__all__ = ["build_parser", "main"]

log = logging.getLogger("faqbot")

DEFAULT_DEVSET = Path(shipped_devset())
# Written without sight of the FAQ and never tuned on; only in a source checkout.
DEFAULT_UNTUNED = Path(__file__).resolve().parent.parent / "tests" / "untuned.yaml"


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (global options work before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--knowledge",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="FAQ file or folder of *.yaml files (default: FAQBOT_KNOWLEDGE or knowledge/faq.yaml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )
    parser = argparse.ArgumentParser(
        prog="faqbot",
        parents=[common],
        description="A cited-answer FAQ bot about why North Koreans cannot simply leave.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="start every configured adapter (default)")
    sub.add_parser("chat", parents=[common], help="chat in the terminal (works with a pipe)")
    ask = sub.add_parser(
        "ask", parents=[common], help="answer one question, or '-' for stdin lines"
    )
    ask.add_argument("question", nargs="+", help="the question, or - to read one per line")
    ask.add_argument("--json", action="store_true", help="print the JSON contract")
    init = sub.add_parser(
        "init", parents=[common], help="create an editable FAQ and an .env for a new community"
    )
    init.add_argument("folder", nargs="?", type=Path, default=Path("."), help="default: here")
    sub.add_parser("topics", parents=[common], help="list the topics")
    sub.add_parser("sources", parents=[common], help="list the cited sources")
    validate = sub.add_parser("validate", parents=[common], help="check a FAQ file or folder")
    validate.add_argument("path", nargs="?", type=Path, help="defaults to the configured FAQ")
    rep = sub.add_parser("report", parents=[common], help="what people asked that the FAQ missed")
    rep.add_argument("--days", type=float, default=7.0, help="look back this many days (default 7)")
    rep.add_argument("--json", action="store_true", help="print JSON")
    purge = sub.add_parser(
        "purge", parents=[common], help="erase every stored question, vote and limit now"
    )
    purge.add_argument(
        "--yes", action="store_true", help="do not ask for confirmation (for scripts)"
    )
    sub.add_parser(
        "migrate", parents=[common], help="create or upgrade the database schema, then exit"
    )
    sub.add_parser(
        "doctor", parents=[common], help="check tokens, webhook, FAQ and database; say what to fix"
    )
    add_learn_parser(sub, common)
    ev = sub.add_parser(
        "eval",
        parents=[common],
        help="measure matching: dev set, untuned set, leave-one-phrasing-out",
    )
    ev.add_argument(
        "--set",
        type=Path,
        default=DEFAULT_DEVSET,
        dest="cases",
        metavar="FILE",
        help="YAML list of {q: ..., expect: ENTRY_ID or none} (default: the dev set)",
    )
    ev.add_argument(
        "--untuned",
        type=Path,
        default=DEFAULT_UNTUNED,
        metavar="FILE",
        help="the labelled untuned set (default: tests/untuned.yaml of a source checkout)",
    )
    ev.add_argument(
        "--no-holdout",
        action="store_true",
        help="skip leave-one-phrasing-out (it rebuilds the index once per alternate)",
    )
    ev.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        metavar="X",
        help="exit 1 if in-scope top-1 accuracy is below X (0-1)",
    )
    ev.add_argument(
        "--min-refusal",
        type=float,
        default=0.0,
        metavar="X",
        help="exit 1 if the out-of-scope refusal rate is below X (0-1)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        settings = load_settings(Settings)
        configure_logging(
            logging.DEBUG if debug else settings.log_level.upper(),
            _secrets(settings),
            payloads=settings.log_payloads,
        )
        if hasattr(args, "knowledge"):
            settings = settings.model_copy(update={"knowledge": args.knowledge})
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`faqbot eval | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KnowledgeError as exc:
        print(f"faqbot: {exc}", file=sys.stderr)
        return 1
    except (FaqBotError, ValidationError, OSError) as exc:
        if debug:
            raise
        print(f"faqbot: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:
        if debug:
            raise
        print(
            f"faqbot: unexpected error: {type(exc).__name__}: {_one_line(exc)} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "init":
        return _init(args.folder)
    if command == "validate":
        return _validate(args.path or settings.knowledge, settings)
    if command == "purge":
        return _purge(settings, confirmed=args.yes)
    if command == "migrate":
        return _migrate(settings)
    if command == "doctor":
        from adapters.doctor import run_doctor  # httpx and its SSL setup: only for doctor

        return run_doctor(settings)
    if command == "report":
        return _report(settings, args.days, as_json=args.json)
    if command == "learn":
        return run_learn(args, settings)
    service = FaqService.from_settings(settings)
    if command in ("ask", "eval"):
        service.load_semantic()  # seconds with the [semantic] extra; nothing without it
    if command == "ask":
        return _ask(service, args.question, as_json=args.json)
    if command == "eval":
        return _eval(
            service,
            args.cases,
            args.untuned,
            (args.min_accuracy, args.min_refusal),
            holdout=not args.no_holdout,
        )
    if command in ("topics", "sources"):
        print(
            render_topics(service.topics())
            if command == "topics"
            else render_sources(service.sources())
        )
        return 0
    service.qlog = open_question_log(settings)
    conversation = Conversation(
        service,
        # Platform settings are read only where platforms run; the console is the operator.
        moderators=configured_moderators() if command == "run" else None,
        policy=_rate_policy(settings),
        state=open_shared_state(settings),
        hasher=make_hasher(settings),
        learner=Learner(learn_config(settings, semantic=service.semantic)),
        undo_seconds=settings.learn_undo_seconds,
    )
    try:
        if command == "run":
            adapters = configured_adapters(conversation)
            if adapters:
                watch = settings.knowledge if settings.watch else None
                return asyncio.run(serve(adapters, conversation=conversation, watch=watch))
        # "chat", and "run" while no platform adapter is configured.
        return _chat(conversation, settings)
    finally:
        if service.qlog is not None:
            service.qlog.close()


def _init(folder: Path) -> int:
    created = scaffold(folder)
    for path in created:
        print(f"created {path}")
    print(
        f"Next: cd {folder}, edit knowledge/faq.yaml and .env, check with `faqbot validate`, "
        "then start with `faqbot`."
    )
    return 0


def _rate_policy(settings: Settings) -> RatePolicy:
    return RatePolicy(
        questions=Budget(settings.question_burst, 1 / settings.question_interval_seconds),
        clicks=Budget(settings.click_burst, 1 / settings.click_interval_seconds),
        group=Budget(settings.group_burst, 1 / settings.group_interval_seconds),
        reload=Budget(1, 1 / settings.reload_interval_seconds),
    )


def _chat(conversation: Conversation, settings: Settings) -> int:
    interactive = sys.stdin.isatty()
    if interactive:  # reload messages go above the prompt, not over it
        handler = PromptSafeHandler(sys.stderr)
        handler.setFormatter(logging.getLogger().handlers[0].formatter)
        logging.getLogger().handlers[:] = [handler]
    watching = settings.watch
    stop = watch_in_thread(conversation.service, settings.knowledge) if watching else None
    if interactive:  # the prompt comes at once; answers are lexical until the model loads
        conversation.service.load_semantic_in_background()
    else:  # piped questions: every one answered as `faqbot ask` would
        conversation.service.load_semantic()
    chat = ConsoleChat(conversation, width=terminal_width() if interactive else None)
    health = None
    try:
        health = health_in_thread(conversation.service, "console")  # FAQBOT_HTTP_PORT, when set
        chat.run(sys.stdin, sys.stdout, interactive=interactive)
    finally:
        chat.close()
        if health is not None:
            health.set()
        if stop is not None:
            stop.set()
    return 0


def _report(settings: Settings, days: float, *, as_json: bool) -> int:
    # Reads only: no folder or file is created, nothing is purged, no writer is started.
    store = make_store(settings)
    try:
        service: FaqService | None = FaqService.from_settings(settings)
    except KnowledgeError as exc:
        # A broken FAQ is when moderators most need the report: show it without the
        # nearest-entry column rather than refusing.
        service = None
        print(
            f"faqbot: warning: the FAQ has {len(exc.issues)} error(s) (faqbot validate lists "
            "them); the report leaves out the nearest entries",
            file=sys.stderr,
        )
    report = build_report(service, store, days)
    print(json.dumps(report.to_json(), ensure_ascii=False) if as_json else render_report(report))
    return 0


def _purge(settings: Settings, *, confirmed: bool) -> int:
    url = database_url(settings)
    if not confirmed:
        if not sys.stdin.isatty():
            print(
                "faqbot: purge erases every stored question now; add --yes to confirm",
                file=sys.stderr,
            )
            return 2
        answer = input(f"Erase every stored question, vote and limit in {url.display}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing erased.")
            return 1
    for store in _purge_targets(settings):
        counts = store.erase()
        total = sum(counts.values())
        detail = ", ".join(f"{n} {table}" for table, n in counts.items()) or "nothing stored"
        print(f"{store.name}: erased {total} rows ({detail}).")
    print(
        "Running bots keep rate-limit and vote marks in memory until they restart, and may "
        "still write the few rows they had queued."
    )
    return 0


def _purge_targets(settings: Settings) -> list[Store]:
    """Return the configured database, and any SQLite log an earlier set-up left behind."""
    targets = [make_store(settings)]
    leftovers = [settings.log_path, (settings.data_dir or default_data_dir()) / LOG_FILE]
    for path in leftovers:
        if path is not None and path.exists() and path.resolve() != _sqlite_path(targets[0]):
            targets.append(SqliteStore(path))
    return targets


def _sqlite_path(store: Store) -> Path | None:
    return store.path.resolve() if isinstance(store, SqliteStore) else None


def _migrate(settings: Settings) -> int:
    store = make_store(settings)
    store.open()  # creates and migrates, under a lock replicas share
    store.close()
    status = store.status()
    kind = "PostgreSQL" if isinstance(store, PostgresStore) else "SQLite"
    print(f"{store.name}: {kind} schema at version {status.version} (latest {status.latest})")
    return 0


def _validate(path: Path, settings: Settings) -> int:
    kb = load_knowledge(path, settings.max_file_bytes)  # KnowledgeError is reported by main
    refused = sum(len(block.phrasings) for block in kb.out_of_scope)
    print(
        f"{path}: OK: {len(kb.entries)} entries, {len(kb.topics)} topics, "
        f"{len(kb.sources)} sources, {kb.alternate_count} alternates, "
        f"{len(kb.synonyms)} synonym groups, {refused} out-of-scope phrasings, "
        f"{len(kb.retired)} retired ids, safety reply: {'yes' if kb.safety else 'none'}"
    )
    if kb.safety is None:
        # Valid (generic FAQs need none), but for this bot's subject it is a gap to see.
        print(
            "faqbot: warning: no `safety:` block, so people at risk get ordinary answers",
            file=sys.stderr,
        )
    return 0


def _ask(service: FaqService, words: list[str], *, as_json: bool) -> int:
    stdin_lines = (line.rstrip("\n") for line in sys.stdin)
    questions: Iterable[str] = stdin_lines if words == ["-"] else [" ".join(words)]
    for question in questions:
        reply = service.ask(question)
        if as_json:
            print(json.dumps(reply_to_json(reply), ensure_ascii=False), flush=True)
        else:
            print(render_reply(reply, hint=False)[0] + "\n", flush=True)
    return 0


def _eval(
    service: FaqService,
    path: Path,
    untuned: Path,
    minimum: tuple[float, float],
    *,
    holdout: bool,
) -> int:
    if service.semantic_in_use is not None:
        print(f"matcher: lexical, confirmed by the semantic model {service.semantic_in_use.name}\n")
    else:
        model = service.semantic
        why = f" ({model.error})" if model is not None and model.error else ""
        print(f"matcher: lexical{why}\n")
    cases = load_cases(path)
    report = evaluate(service, cases)
    _print_section(f"dev set: {path}", cases, report)
    if untuned.is_file():
        cases = load_untuned(untuned)
        _print_section(f"untuned set, never tuned on: {untuned}", cases, evaluate(service, cases))
    elif untuned == DEFAULT_UNTUNED:
        # An installed package has no tests/ folder: its made-up path would only confuse.
        print(
            "== untuned set: skipped (it ships with a source checkout, tests/untuned.yaml; "
            "give one with --untuned FILE) ==\n"
        )
    else:
        print(f"== untuned set: {untuned} not found: skipped ==\n")
    if holdout:
        loo = held_out(service)
        print(
            f"== leave-one-phrasing-out: {len(loo.cases)} alternates, each held out with its "
            f"near-duplicates ({loo.mean_removed:.2f} phrasings per case) =="
        )
        parts = [
            ("answered right", "right"),
            ("right first suggestion", "first"),
            ("other suggestions", "other"),
            ("refused", "refused"),
            ("answered wrong", "wrong"),
        ]
        print(", ".join(f"{label} {loo.count(v)} ({loo.share(v):.1%})" for label, v in parts))
    failed = []
    min_accuracy, min_refusal = minimum
    if report.accuracy < min_accuracy:
        failed.append(f"accuracy {report.accuracy:.3f} < {min_accuracy}")
    if report.refusal_rate < min_refusal:
        failed.append(f"refusal {report.refusal_rate:.3f} < {min_refusal}")
    if failed:
        print(f"faqbot: eval below threshold: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _print_section(title: str, cases: list[EvalCase], report: EvalReport) -> None:
    print(f"== {title} ({len(cases)} questions) ==")
    print(
        f"in scope:     {report.correct}/{report.in_scope} answered right "
        f"({report.accuracy:.1%}), {report.first_right}/{report.in_scope} right or right first "
        f"suggestion ({report.first_right_rate:.1%}), {report.wrong} answered wrong"
    )
    kinds = ", ".join(f"{kind} {refused}/{total}" for kind, refused, total in report.by_kind)
    print(
        f"out of scope: {report.refused}/{report.out_of_scope} refused "
        f"({report.refusal_rate:.1%})" + (f": {kinds}" if kinds else "")
    )
    for miss in report.misses:
        print(
            f"  MISS {miss.case.question!r}: expected {miss.case.expect}, "
            f"got {miss.outcome} {miss.got or '-'} ({miss.score:.2f})"
        )
    print()


def _secrets(settings: Settings) -> list[str]:
    return configured_secrets() + stored_secrets(settings)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
