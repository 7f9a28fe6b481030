"""`faqbot doctor`: check a deployment before it goes live, and say what to fix.

Checks the FAQ, the database (reachable, schema migrated), the hash secret, whether the
semantic model loads (when the extra is installed), and for each
configured platform what its API tells: Telegram's token (getMe) and webhook state
(getWebhookInfo); Discord's token, the privileged intents the bot asks for against those
the application has, and whether the slash commands are synced. Nothing is changed.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

from adapters.platform_settings import DiscordSettings, TelegramSettings
from bot.conversation import Conversation
from bot.errors import KnowledgeError, StorageError
from bot.semantic import is_default_model, semantic_available
from bot.service import FaqService, semantic_model
from bot.settings import Settings
from bot.storage import database_url, make_store

__all__ = [
    "PRIVILEGED_INTENTS",
    "DiscordExpectations",
    "Finding",
    "check_database",
    "check_discord",
    "check_faq",
    "check_semantic",
    "check_telegram",
    "discord_expectations",
    "run_doctor",
]

DISCORD_API = "https://discord.com/api/v10"
# Application flags that allow each privileged intent (full, and "limited" below 100 servers).
PRIVILEGED_INTENTS = {
    "presences": ("Presence Intent", 1 << 12, 1 << 13),
    "members": ("Server Members Intent", 1 << 14, 1 << 15),
    "message_content": ("Message Content Intent", 1 << 18, 1 << 19),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of a check.

    Attributes:
        level: "ok", "warn" (works, but look at it) or "fail" (will not work).
        subject: What was checked ("faq", "database", "telegram", "discord").
        message: What was found.
        fix: What to do about it (empty for "ok").
    """

    level: str
    subject: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        head = f"{self.level.upper():<4} {self.subject}: {self.message}"
        return head + (f"\n     fix: {self.fix}" if self.fix else "")


@dataclass(frozen=True, slots=True)
class DiscordExpectations:
    """What the Discord adapter will ask of Discord: privileged intents and command names."""

    intents: frozenset[str]
    commands: frozenset[str]


def run_doctor(settings: Settings, out: TextIO = sys.stdout, timeout: float = 10.0) -> int:
    """Run every check, print the findings, and return 1 if any failed (else 0)."""
    findings = asyncio.run(_check_all(settings, timeout))
    for finding in findings:
        print(finding, file=out)
    failed = sum(f.level == "fail" for f in findings)
    warned = sum(f.level == "warn" for f in findings)
    print(f"\n{failed} problem(s) to fix, {warned} warning(s).", file=out)
    return 1 if failed else 0


async def _check_all(settings: Settings, timeout: float) -> list[Finding]:
    findings, service = check_faq(settings)
    findings += await asyncio.to_thread(check_database, settings)
    findings += await asyncio.to_thread(check_semantic, settings)
    telegram, discord_settings = TelegramSettings(), DiscordSettings()
    async with httpx.AsyncClient(timeout=timeout) as client:
        if telegram.bot_token is not None:
            findings += await check_telegram(telegram, client)
        if discord_settings.bot_token is not None:
            expected = discord_expectations(service, discord_settings)
            findings += await check_discord(discord_settings, client, expected)
    if telegram.bot_token is None and discord_settings.bot_token is None:
        findings.append(
            Finding("ok", "platforms", "no token set: faqbot run opens the console chat")
        )
    return findings


def check_faq(settings: Settings) -> tuple[list[Finding], FaqService | None]:
    """Load and index the FAQ; returns the findings and the service (None if broken)."""
    try:
        service = FaqService.from_path(settings.knowledge, max_file_bytes=settings.max_file_bytes)
    except KnowledgeError as exc:
        shown = [str(issue) for issue in exc.issues[:5]]
        more = f" (and {len(exc.issues) - 5} more)" if len(exc.issues) > 5 else ""
        message = f"{len(exc.issues)} error(s): " + "; ".join(shown) + more
        fix = "correct the file (faqbot validate lists every error with its line)"
        return [Finding("fail", "faq", message, fix)], None
    except OSError as exc:
        fix = "set FAQBOT_KNOWLEDGE (or --knowledge) to the FAQ file or folder"
        return [Finding("fail", "faq", f"{settings.knowledge}: {exc.strerror}", fix)], None
    kb = service.kb
    message = f"{settings.knowledge}: {len(kb.entries)} entries, {len(kb.topics)} topics"
    return [Finding("ok", "faq", message)], service


def check_semantic(settings: Settings) -> list[Finding]:
    """Say whether the semantic re-ranker will run, loading its model if it should."""
    model = semantic_model(settings)
    if model is None:
        return [Finding("ok", "semantic", "off (FAQBOT_SEMANTIC_MODEL=off): lexical matching")]
    if not semantic_available():
        if is_default_model(model.name):
            return [Finding("ok", "semantic", "[semantic] extra not installed: lexical matching")]
        fix = "pip install 'faqbot[semantic]' (README: torch's CPU build first), or set it to off"
        message = f"FAQBOT_SEMANTIC_MODEL={model.name}, but the [semantic] extra is not installed"
        return [Finding("warn", "semantic", message, fix)]
    started = time.perf_counter()
    if not model.load():
        fix = "set FAQBOT_SEMANTIC_MODEL to a sentence-transformers folder on this machine, or off"
        return [Finding("fail", "semantic", f"{model.name} does not load: {model.error}", fix)]
    took = time.perf_counter() - started
    return [Finding("ok", "semantic", f"{model.name} loads ({took:.1f} s); answers are confirmed")]


def check_database(settings: Settings) -> list[Finding]:
    """Check that the database is reachable and migrated, and the hash secret where it matters."""
    try:
        url = database_url(settings)
    except StorageError as exc:
        return [Finding("fail", "database", str(exc), "correct FAQBOT_DATABASE_URL")]
    if not settings.log_enabled and url.kind == "sqlite":
        return [Finding("ok", "database", "question log turned off (FAQBOT_LOG_ENABLED=false)")]
    store = make_store(settings)
    findings = []
    if url.kind == "sqlite" and url.path is not None and not url.path.exists():
        findings.append(
            Finding("ok", "database", f"{url.display}: created (0600) at the first faqbot run")
        )
    else:
        try:
            status = store.status()
        except StorageError as exc:
            fix = (
                "check FAQBOT_DATABASE_URL, that the server runs and accepts this host and user"
                if url.kind == "postgresql"
                else "check the file's owner and permissions, or set FAQBOT_DATABASE_URL"
            )
            return [Finding("fail", "database", f"unreachable: {exc}", fix)]
        if status.version == 0:
            findings.append(
                Finding(
                    "fail",
                    "database",
                    f"{url.display}: reachable but not migrated (no schema yet)",
                    "run `faqbot migrate` (or start faqbot run once)",
                )
            )
        elif not status.current:
            findings.append(
                Finding(
                    "warn",
                    "database",
                    f"{url.display}: schema version {status.version}, this release uses "
                    f"{status.latest}",
                    "run `faqbot migrate` (faqbot run also migrates at start)",
                )
            )
        else:
            message = f"{url.display}: reachable, schema at version {status.version}"
            findings.append(Finding("ok", "database", message))
    if url.kind == "postgresql" and settings.hash_secret is None:
        findings.append(
            Finding(
                "warn",
                "database",
                "FAQBOT_HASH_SECRET is not set: each replica hashes ids with its own random "
                "key, so limits and one-vote-per-person are not shared between replicas",
                "set FAQBOT_HASH_SECRET to the same long random value on every replica "
                "(e.g. `openssl rand -hex 32`)",
            )
        )
    return findings


async def check_telegram(settings: TelegramSettings, client: httpx.AsyncClient) -> list[Finding]:
    """Check the token (getMe) and the webhook state (getWebhookInfo)."""
    assert settings.bot_token is not None
    token = settings.bot_token.get_secret_value()
    # Settings alone can be wrong: named even when the Bot API cannot be reached.
    local = _webhook_config_findings(settings)
    if not _TOKEN_SHAPE.fullmatch(token):
        shape = Finding(
            "fail",
            "telegram",
            "TELEGRAM_BOT_TOKEN is not shaped like a bot token (digits, a colon, then letters, "
            "digits, _ or -)",
            "copy the whole token @BotFather gave you, without quotes or spaces around it",
        )
        return [shape, *local]
    base = settings.api_base_url + token
    me, problem = await _telegram_call(client, base, "getMe")
    if problem is not None:
        return [problem, *local]
    findings = [Finding("ok", "telegram", f"token valid for @{me.get('username', '?')}")]
    if not me.get("supports_inline_queries"):
        findings.append(
            Finding(
                "warn",
                "telegram",
                "inline mode is off (@yourbot question in any chat will not work)",
                "send /setinline to @BotFather (optional)",
            )
        )
    findings += local
    info, problem = await _telegram_call(client, base, "getWebhookInfo")
    if problem is not None:
        return [*findings, problem]
    findings += _webhook_findings(settings, info)
    return findings


# What @BotFather hands out: the bot's numeric id, a colon, then the secret part.
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")


def _webhook_config_findings(settings: TelegramSettings) -> list[Finding]:
    """Return the webhook settings that are wrong whatever the Bot API says."""
    findings = []
    expected = settings.webhook_endpoint
    if expected is not None:
        if not expected.startswith("https://"):
            findings.append(
                Finding(
                    "fail",
                    "telegram",
                    f"webhook URL {expected} is not HTTPS; Telegram only posts to HTTPS",
                    "set TELEGRAM_WEBHOOK_URL to the public https:// address of your proxy",
                )
            )
        if settings.webhook_secret is None:
            findings.append(
                Finding(
                    "fail",
                    "telegram",
                    "webhook mode without TELEGRAM_WEBHOOK_SECRET: anyone could post updates",
                    "set TELEGRAM_WEBHOOK_SECRET to a random value (1-256 of A-Z a-z 0-9 _ -)",
                )
            )
    return findings


def _webhook_findings(settings: TelegramSettings, info: dict[str, Any]) -> list[Finding]:
    """Compare what the Bot API says about the webhook with what this deployment expects."""
    current = info.get("url") or ""
    findings = []
    expected = settings.webhook_endpoint
    if expected is not None:
        if not current:
            findings.append(
                Finding("ok", "telegram", "webhook not registered yet; faqbot run registers it")
            )
        elif current != expected:
            findings.append(
                Finding(
                    "warn",
                    "telegram",
                    f"the webhook points at {current}, not {expected}",
                    "faqbot run replaces it at start; make sure no other deployment uses "
                    "this token",
                )
            )
        else:
            pending = info.get("pending_update_count", 0)
            message = f"webhook registered at {current} ({pending} updates waiting)"
            findings.append(Finding("ok", "telegram", message))
    elif current:
        findings.append(
            Finding(
                "warn",
                "telegram",
                f"a webhook is set ({current}) but this bot polls; polling removes it at start",
                "if another deployment serves this token by webhook, give each its own token",
            )
        )
    else:
        findings.append(Finding("ok", "telegram", "polling mode, no webhook set"))
    if info.get("last_error_message"):
        findings.append(
            Finding(
                "warn",
                "telegram",
                f"Telegram's last webhook delivery failed: {info['last_error_message']}",
                "check that the reverse proxy forwards the webhook path to "
                "TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT and that its certificate "
                "is valid",
            )
        )
    return findings


async def _telegram_call(
    client: httpx.AsyncClient, base: str, method: str
) -> tuple[dict[str, Any], Finding | None]:
    try:
        response = await client.get(f"{base}/{method}")
    except httpx.HTTPError as exc:
        problem = Finding(
            "fail",
            "telegram",
            f"cannot reach the Bot API ({type(exc).__name__})",
            "check the network and TELEGRAM_API_BASE_URL",
        )
        return {}, problem
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code in (401, 404):
        problem = Finding(
            "fail",
            "telegram",
            f"Telegram rejected TELEGRAM_BOT_TOKEN ({response.status_code} "
            f"{body.get('description', 'Unauthorized')})",
            "copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN",
        )
        return {}, problem
    if not body.get("ok"):
        problem = Finding(
            "fail",
            "telegram",
            f"{method} failed: {response.status_code} {body.get('description', '')}".strip(),
            "try again later; if it persists, check TELEGRAM_API_BASE_URL",
        )
        return {}, problem
    result = body.get("result")
    return (result if isinstance(result, dict) else {}), None


def discord_expectations(
    service: FaqService | None, settings: DiscordSettings
) -> DiscordExpectations | None:
    """Ask the Discord adapter itself which privileged intents and commands it uses.

    Building it touches no network. None when it cannot be built (a broken FAQ, or an
    adapter whose constructor changed): the intent and command checks are then skipped.
    """
    if service is None:
        return None
    try:
        from adapters.discord_bot import DiscordBot

        bot: Any = DiscordBot(Conversation(service), settings)
        intents = bot.client.intents
        commands = frozenset(c.name for c in bot.tree.get_commands())
    except Exception:
        return None
    wanted = frozenset(name for name in PRIVILEGED_INTENTS if getattr(intents, name, False))
    return DiscordExpectations(wanted, commands)


async def check_discord(
    settings: DiscordSettings,
    client: httpx.AsyncClient,
    expected: DiscordExpectations | None,
) -> list[Finding]:
    """Check the token, the privileged intents, and whether the commands are synced."""
    assert settings.bot_token is not None
    base = (settings.api_base_url or DISCORD_API).rstrip("/")
    headers = {"Authorization": f"Bot {settings.bot_token.get_secret_value()}"}
    try:
        me = await client.get(f"{base}/users/@me", headers=headers)
        app = await client.get(f"{base}/oauth2/applications/@me", headers=headers)
    except httpx.HTTPError as exc:
        message = f"cannot reach the Discord API ({type(exc).__name__})"
        return [Finding("fail", "discord", message, "check the network and DISCORD_API_BASE_URL")]
    if me.status_code == 401 or app.status_code == 401:
        return [
            Finding(
                "fail",
                "discord",
                "Discord rejected DISCORD_BOT_TOKEN (401 Unauthorized)",
                "Developer Portal → your application → Bot → Reset Token, then put the new "
                "token in DISCORD_BOT_TOKEN",
            )
        ]
    if me.status_code != 200 or app.status_code != 200:
        message = f"Discord answered {me.status_code}/{app.status_code} to the token check"
        return [Finding("fail", "discord", message, "try again later")]
    user, application = me.json(), app.json()
    findings = [Finding("ok", "discord", f"token valid for {user.get('username', '?')}")]
    if application.get("bot_require_code_grant"):
        findings.append(
            Finding(
                "warn",
                "discord",
                "the application requires an OAuth2 code grant: invite links will fail",
                "Developer Portal → Bot → turn off Requires OAuth2 Code Grant",
            )
        )
    if expected is None:
        findings.append(
            Finding(
                "warn",
                "discord",
                "intents and commands not checked (the FAQ or the Discord adapter could not "
                "be loaded)",
            )
        )
        return findings
    findings += _intent_findings(int(application.get("flags") or 0), expected.intents)
    findings += await _shard_findings(client, base, headers, settings)
    findings += await _command_findings(
        client, base, headers, str(application.get("id")), settings, expected.commands
    )
    return findings


def _intent_findings(flags: int, wanted: frozenset[str]) -> list[Finding]:
    findings = []
    for name in sorted(wanted):
        title, full, limited = PRIVILEGED_INTENTS[name]
        if not flags & (full | limited):
            findings.append(
                Finding(
                    "fail",
                    "discord",
                    f"the bot asks for the {title}, which the application does not have: "
                    "Discord will refuse the connection (close code 4014)",
                    f"Developer Portal → your application → Bot → Privileged Gateway Intents "
                    f"→ turn on {title}",
                )
            )
    if not findings:
        needed = ", ".join(PRIVILEGED_INTENTS[n][0] for n in sorted(wanted)) or "none needed"
        findings.append(Finding("ok", "discord", f"privileged intents: {needed}"))
    return findings


async def _shard_findings(
    client: httpx.AsyncClient, base: str, headers: dict[str, str], settings: DiscordSettings
) -> list[Finding]:
    """Compare the configured shard count with the one Discord recommends (GET /gateway/bot)."""
    try:
        response = await client.get(f"{base}/gateway/bot", headers=headers)
        recommended = int(response.json().get("shards") or 1)
    except (httpx.HTTPError, ValueError, AttributeError):
        return [Finding("warn", "discord", "shard count not checked (no answer from /gateway/bot)")]
    count = settings.shard_count or 1
    mine = ",".join(map(str, settings.shards))
    if count < recommended:
        return [
            Finding(
                "warn",
                "discord",
                f"Discord recommends {recommended} shards for this bot; it is set up for {count}",
                f"set DISCORD_SHARD_COUNT={recommended} on every replica and split the shards "
                "with DISCORD_SHARD_IDS (Discord refuses a shard with more than 2,500 servers)",
            )
        ]
    where = f"shards {mine} of {count}" if count > 1 else "unsharded"
    sync = "syncs" if settings.syncs_commands else "does not sync (the one holding shard 0 does)"
    return [
        Finding(
            "ok",
            "discord",
            f"gateway: {where} (Discord recommends {recommended}); this process {sync} commands",
        )
    ]


async def _command_findings(
    client: httpx.AsyncClient,
    base: str,
    headers: dict[str, str],
    app_id: str,
    settings: DiscordSettings,
    wanted: frozenset[str],
) -> list[Finding]:
    path = (
        f"/applications/{app_id}/guilds/{settings.guild_id}/commands"
        if settings.guild_id
        else f"/applications/{app_id}/commands"
    )
    try:
        response = await client.get(base + path, headers=headers)
    except httpx.HTTPError as exc:
        return [Finding("warn", "discord", f"commands not checked ({type(exc).__name__})")]
    if response.status_code == 403:
        return [
            Finding(
                "fail",
                "discord",
                f"no access to the commands of server {settings.guild_id}",
                "invite the bot to that server with the applications.commands scope, or "
                "unset DISCORD_GUILD_ID",
            )
        ]
    if response.status_code != 200:
        message = f"commands not checked ({response.status_code})"
        return [Finding("warn", "discord", message)]
    synced = frozenset(str(c.get("name")) for c in response.json())
    missing, stale = wanted - synced, synced - wanted
    where = f"server {settings.guild_id}" if settings.guild_id else "global"
    if not synced:
        return [
            Finding(
                "warn",
                "discord",
                f"no slash commands registered ({where}) yet",
                "faqbot run syncs them at start; global commands can take up to an hour to "
                "appear (set DISCORD_GUILD_ID while testing)",
            )
        ]
    findings = []
    if missing or stale:
        parts = [f"missing: /{', /'.join(sorted(missing))}" if missing else ""]
        parts.append(f"no longer served: /{', /'.join(sorted(stale))}" if stale else "")
        findings.append(
            Finding(
                "warn",
                "discord",
                f"slash commands ({where}) out of date: " + "; ".join(p for p in parts if p),
                "restart faqbot run (with DISCORD_SHARD_IDS: the process holding shard 0): "
                "it syncs the commands at start",
            )
        )
    else:
        findings.append(Finding("ok", "discord", f"{len(synced)} slash commands synced ({where})"))
    return findings
