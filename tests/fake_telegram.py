"""A fake Telegram Bot API on 127.0.0.1 that records every request and scripts updates."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER: dict[str, Any] = {
    "id": 999,
    "is_bot": True,
    "first_name": "FAQ",
    "username": "faq_test_bot",
}
USER: dict[str, Any] = {"id": 111, "is_bot": False, "first_name": "Asker"}
_JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "entities",
    "allowed_updates",
    "reply_parameters",
}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeBotApi:
    token: str
    calls: list[Call] = field(default_factory=list)
    fail_once: dict[str, dict[str, Any]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # Set by `stop`: requests still held by `send_delay` end at once, unanswered.
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""
    member_status: str = "member"
    # Offsets the bot sent with getUpdates: everything below the highest is confirmed.
    offsets: list[int] = field(default_factory=list)
    # Seconds each send to a chat takes (a slow group, a flood-limited chat).
    send_delay: dict[int, float] = field(default_factory=dict)
    # Faults to inject, per method, in order: "500" (an error status), "drop" (the
    # connection closes before the request is read), "drop-after" (it closes after the
    # request was carried out: the message exists, the bot never hears so).
    faults: dict[str, list[str]] = field(default_factory=dict)
    # Random faults (benchmarks): this share of requests to `fault_methods` fails at random.
    fault_rate: float = 0.0
    fault_methods: tuple[str, ...] = ("sendMessage",)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    # What getWebhookInfo reports; setWebhook/deleteWebhook change its url.
    webhook_info: dict[str, Any] = field(
        default_factory=lambda: {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
    )

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        # A request still held by `send_delay` (a reply slower than the test) would hold
        # up the cleanup until its delay ran out: cut it off, unrecorded, as if the
        # server went away.
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- scripting --------------------------------------------------------------------

    def push(self, **update: Any) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        return update_id

    def message(
        self, text: str | None, *, chat: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        sender = extra.pop("from_", USER)
        msg: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat or {"id": sender["id"], "type": "private", "first_name": "Asker"},
            "from": sender,
            **extra,
        }
        if text is not None:
            msg["text"] = text
        return msg

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        async def enough() -> list[Call]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method)) >= count)
            return self.of(method)

        return await asyncio.wait_for(enough(), timeout)

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def confirmed_below(self) -> int:
        return max(self.offsets, default=0)

    def sent_to(self, chat_id: int) -> list[Call]:
        return [c for c in self.of("sendMessage") if int(c.params["chat_id"]) == chat_id]

    # --- webhook delivery (as Telegram posts updates to a bot's webhook) ---------------

    def make_update(self, **update: Any) -> dict[str, Any]:
        """An update with a fresh id, not queued for getUpdates (for webhook delivery)."""
        return {"update_id": next(self._update_ids), **update}

    async def deliver(
        self, url: str, update: dict[str, Any], *, secret: str | None = None, timeout: float = 60
    ) -> int:
        """POST one update to a webhook as Telegram does; returns the HTTP status (0: no answer)."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as response,
            ):
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    # --- the API ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        fault = self.faults.get(method, [None]).pop(0) if self.faults.get(method) else None
        if fault is None and method in self.fault_methods and self.rng.random() < self.fault_rate:
            fault = self.rng.choice(("500", "drop", "drop-after"))
        if fault == "drop":
            _drop(request)
        params = await _params(request)
        if fault == "500":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500,
            )
        chat = params.get("chat_id")
        if chat is not None and int(chat) in self.send_delay:
            await self._delay(request, self.send_delay[int(chat)])
        if method == "getUpdates" and params.get("offset") is not None:
            self.offsets.append(int(params["offset"]))
        if method != "getUpdates":
            async with self._changed:
                self.calls.append(Call(method, params))
                self._changed.notify_all()
        if fault == "drop-after":
            _drop(request)
        failure = self.fail_once.pop(method, None)
        if failure is not None:
            return web.json_response({"ok": False, **failure}, status=failure["error_code"])
        return web.json_response({"ok": True, "result": await self._result(method, params)})

    async def _delay(self, request: web.Request, seconds: float) -> None:
        """Sleep `seconds`, unless the fake is stopped meanwhile (then drop the request)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        if self._stopping.is_set():
            _drop(request)

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            pending = [u for u in self._updates if u["update_id"] >= offset]
            if not pending:
                await asyncio.sleep(0.05)  # long polling: do not let the client spin
            return pending
        if method in ("sendMessage", "editMessageText"):
            chat_id = params.get("chat_id")
            return {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": int(chat_id) if chat_id is not None else 0, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        if method == "getChatMember":
            member: dict[str, Any] = {
                "status": self.member_status,
                "user": USER,
                "is_anonymous": False,
            }
            if self.member_status == "administrator":
                rights = (
                    "can_be_edited can_manage_chat can_delete_messages can_manage_video_chats "
                    "can_restrict_members can_promote_members can_change_info can_invite_users "
                    "can_post_stories can_edit_stories can_delete_stories"
                )
                member.update(dict.fromkeys(rights.split(), False))
            return member
        if method == "getWebhookInfo":
            return self.webhook_info
        if method == "setWebhook":
            self.webhook_info = {**self.webhook_info, "url": params.get("url", "")}
            if params.get("allowed_updates") is not None:
                self.webhook_info["allowed_updates"] = params["allowed_updates"]
        if method == "deleteWebhook":
            self.webhook_info = {**self.webhook_info, "url": ""}
        return True  # setMyCommands, deleteWebhook, setWebhook, answerCallbackQuery, ...


def _drop(request: web.Request) -> None:
    """Close the connection without an answer (a crashed proxy, a network cut)."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise ConnectionResetError("dropped by the fake")


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        params = dict(body) if isinstance(body, dict) else {}
    else:
        params = {k: _decode(str(v)) for k, v in (await request.post()).items()}
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params


def _decode(value: str) -> Any:
    """Form values arrive as text: numbers, booleans and JSON objects are decoded."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if isinstance(decoded, str) else decoded
