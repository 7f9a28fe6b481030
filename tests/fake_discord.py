"""A fake Discord (REST + gateway websocket) on 127.0.0.1 that records every request."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "4242"
GUILD_ID = "5000"
CHANNEL_ID = "5001"
BOT = {
    "id": "4243",
    "username": "faqbot",
    "discriminator": "0",
    "global_name": "FAQ",
    "avatar": None,
    "bot": True,
}
USER = {
    "id": "111",
    "username": "asker",
    "discriminator": "0",
    "global_name": "Asker",
    "avatar": None,
}


@dataclass
class Call:
    method: str
    path: str
    body: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeDiscord:
    token: str
    calls: list[Call] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_000))
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ws: web.WebSocketResponse | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    # Gateway connections by shard id (IDENTIFY's `shard: [id, count]`; none means [0, 1]),
    # so several processes can split the gateway as Discord lets them.
    shard_ws: dict[int, web.WebSocketResponse] = field(default_factory=dict)
    shard_count: int = 1
    identified: list[dict[str, Any]] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)  # shards that resumed, in order
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    base: str = ""
    identified_with: dict[str, Any] = field(default_factory=dict)
    # Faults to inject, per path prefix, in order: "503" (an error status), "drop" (the
    # connection closes before the request is read), "drop-after" (it closes after the
    # request was carried out).
    faults: dict[str, list[str]] = field(default_factory=dict)
    # Seconds each request under a path prefix takes (a slow or rate-limited channel).
    delays: dict[str, float] = field(default_factory=dict)
    # Random faults (benchmarks): this share of requests under `fault_prefixes` fails.
    fault_rate: float = 0.0
    fault_prefixes: tuple[str, ...] = ("/channels/", "/interactions/", "/webhooks/")
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    _acknowledged: set[str] = field(default_factory=set)
    refused_acks: list[str] = field(default_factory=list)  # second answers to an interaction
    app_flags: int = 0  # application flags: which privileged intents the app may use
    recommended_shards: int = 1  # what GET /gateway/bot recommends
    # Commands registered so far, per scope ("global" or a guild id), as PUT stored them.
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        for ws in {*self.shard_ws.values(), *([self._ws] if self._ws is not None else [])}:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/gateway"

    # --- scripting --------------------------------------------------------------------

    async def wait_ready(self, timeout: float = 10.0, shards: int = 1) -> None:
        """Wait until `shards` gateway connections have identified (each got READY)."""

        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.shard_ws) >= shards)

        await asyncio.wait_for(self._ready.wait(), timeout)
        await asyncio.wait_for(enough(), timeout)

    @staticmethod
    def shard_of(guild_id: int | str | None, shard_count: int) -> int:
        """The shard Discord sends a guild's events to (DMs go to shard 0)."""
        return (int(guild_id) >> 22) % shard_count if guild_id is not None else 0

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event on the connection of the shard it belongs to."""
        ws = self._ws
        if self.shard_ws:
            shard = self.shard_of(data.get("guild_id"), self.shard_count)
            ws = self.shard_ws.get(shard)
            assert ws is not None, f"shard {shard} is not connected"
        assert ws is not None
        await self._send(ws, event, data)

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def drop_gateway(self, shard: int = 0) -> None:
        """Close one shard's connection as a network hiccup would (the client resumes)."""
        ws = self.shard_ws.pop(shard)
        await ws.close(code=4000, message=b"fake hiccup")

    async def wait_for(
        self, method: str, prefix: str, count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        async def enough() -> list[Call]:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.of(method, prefix)) >= count)
            return self.of(method, prefix)

        return await asyncio.wait_for(enough(), timeout)

    def of(self, method: str, prefix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.startswith(prefix)]

    def message(
        self,
        content: str,
        *,
        dm: bool = False,
        mentions: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(next(self._ids)),
            "channel_id": "7001" if dm else CHANNEL_ID,
            "author": USER,
            "content": content,
            "timestamp": "2026-11-25T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "components": [],
            **extra,
        }
        if not dm:
            data["guild_id"] = GUILD_ID
            data["member"] = {
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        return data

    def interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        permissions: str = "0",
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(next(self._ids)),
            "application_id": APP_ID,
            "type": kind,
            "data": data,
            "token": f"itoken{next(self._ids)}",
            "version": 1,
            "attachment_size_limit": 8_000_000,
            "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID,
            "channel": {
                "id": CHANNEL_ID,
                "type": 0,
                "guild_id": GUILD_ID,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            "member": {
                "user": USER,
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "permissions": permissions,
                "flags": 0,
            },
            "app_permissions": "0",
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
        }
        if message is not None:
            payload["message"] = message
        return payload

    # --- REST -------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") not in (f"Bot {self.token}", None):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        path = "/" + request.match_info["path"]
        fault = self._fault(path)
        if fault == "drop":
            _drop(request)
        if fault == "503":
            return _json({"message": "Service Unavailable", "code": 0}, status=503)
        delay = next((d for p, d in self.delays.items() if path.startswith(p)), 0.0)
        if delay:
            await asyncio.sleep(delay)
        body: Any = None
        if request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text and request.content_type == "application/json" else text
        if path.startswith("/interactions/"):
            interaction_id = path.split("/")[2]
            if interaction_id in self._acknowledged:  # as Discord does: one answer only
                self.refused_acks.append(interaction_id)
                return _json(
                    {"message": "Interaction has already been acknowledged.", "code": 40060},
                    status=400,
                )
            self._acknowledged.add(interaction_id)
        async with self._changed:
            self.calls.append(Call(request.method, path, body))
            self._changed.notify_all()
        if fault == "drop-after":
            _drop(request)
        if request.headers.get("Authorization") is None and not path.startswith(
            ("/interactions", "/webhooks")
        ):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(self._answer(request.method, path, body))

    def _fault(self, path: str) -> str | None:
        for prefix, queue in self.faults.items():
            if path.startswith(prefix) and queue:
                return queue.pop(0)
        if path.startswith(self.fault_prefixes) and self.rng.random() < self.fault_rate:
            return self.rng.choice(("503", "drop", "drop-after"))
        return None

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/users/@me/channels" and method == "POST":
            recipient = str((body or {}).get("recipient_id"))
            return {"id": f"7{recipient}", "type": 1, "recipients": [{**USER, "id": recipient}]}
        if path == "/users/@me":
            return BOT
        if path == "/oauth2/applications/@me":
            return {
                "id": APP_ID,
                "name": "faqbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": USER,
                "verify_key": "00",
                "flags": self.app_flags,
            }
        if path == "/gateway/bot":
            return {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if path.startswith("/applications/") and path.endswith("/commands") and method == "GET":
            return self.commands.get(_scope(path), [])
        if path.startswith("/applications/") and path.endswith("/commands") and method == "PUT":
            self.commands[_scope(path)] = stored = [
                {
                    **c,
                    "id": str(next(self._ids)),
                    "application_id": APP_ID,
                    "version": "1",
                    "default_member_permissions": None,
                    "type": c.get("type", 1),
                }
                for c in body
            ]
            return stored
        if path.startswith("/interactions/"):
            interaction_id = path.split("/")[2]
            kind = body.get("type", 4) if isinstance(body, dict) else 4
            return {"interaction": {"id": interaction_id, "type": kind}}
        if method in ("POST", "PATCH") and (
            path.startswith("/webhooks/") or path.startswith("/channels/")
        ):
            data = body if isinstance(body, dict) else {}
            return {
                "id": str(next(self._ids)),
                "channel_id": CHANNEL_ID,
                "author": BOT,
                "content": data.get("content") or "",
                "timestamp": "2026-11-25T12:00:01+00:00",
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": data.get("embeds") or [],
                "pinned": False,
                "type": 0,
                "components": data.get("components") or [],
            }
        return {}

    # --- gateway ----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif payload["op"] == 2:
                identify = payload["d"]
                self.identified_with = identify
                self.identified.append(identify)
                shard, count = identify.get("shard") or [0, 1]
                self.shard_count = count
                ready: dict[str, Any] = {
                    "v": 10,
                    "user": BOT,
                    "guilds": [],
                    "session_id": f"session-{shard}",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": APP_ID, "flags": 0},
                }
                if identify.get("shard") is not None:
                    ready["shard"] = [shard, count]
                await self._send(ws, "READY", ready)
                async with self._changed:
                    self.shard_ws[shard] = ws
                    self._changed.notify_all()
                self._ready.set()
            elif payload["op"] == 6:  # RESUME after a dropped connection
                shard = int(str(payload["d"]["session_id"]).rsplit("-", 1)[1])
                await self._send(ws, "RESUMED", {})
                async with self._changed:
                    self.shard_ws[shard] = ws
                    self.resumed.append(shard)
                    self._changed.notify_all()
        return ws


def _drop(request: web.Request) -> None:
    """Close the connection without an answer (a crashed proxy, a network cut)."""
    if request.transport is not None:
        request.transport.abort()
    raise ConnectionResetError("dropped by the fake")


def _scope(path: str) -> str:
    """ "global" for /applications/ID/commands, the guild id for .../guilds/GID/commands."""
    parts = path.strip("/").split("/")
    return parts[3] if len(parts) > 4 and parts[2] == "guilds" else "global"


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py parses a body as JSON only for exactly this content type (no charset).
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )
