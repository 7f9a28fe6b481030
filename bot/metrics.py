"""Prometheus metrics and adapter states that the core updates and `/metrics` shows.

The objects live in the core so that any part of it (the question log, the service, the
conversation layer) can update them without importing an adapter; the HTTP server in
`adapters/http_health.py` only reads them. They are registered in a registry of their own
rather than prometheus-client's global one, so importing the core has no side effects on
an embedding program's metrics.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

__all__ = [
    "ADAPTERS",
    "ADAPTER_CONNECTED",
    "ANSWER_SECONDS",
    "FAQ_ENTRIES",
    "LOG_QUEUE",
    "LOG_ROWS_DROPPED",
    "LOG_ROWS_WRITTEN",
    "QUESTIONS",
    "REGISTRY",
    "RELOADS",
    "SEMANTIC_READY",
    "WEBHOOK_REPEATS",
    "AdapterState",
    "AdapterStates",
    "observe_question",
    "observe_reload",
]

REGISTRY = CollectorRegistry()
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

QUESTIONS = Counter(
    "faqbot_questions",
    "Questions answered, by platform and outcome (answer, suggest, none).",
    ["platform", "outcome"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "faqbot_answer_seconds",
    "Time the core took to decide an answer, by platform.",
    ["platform"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
RELOADS = Counter(
    "faqbot_reloads",
    "FAQ reloads by result (ok, or rejected: the file was invalid and the old one kept).",
    ["result"],
    registry=REGISTRY,
)
FAQ_ENTRIES = Gauge(
    "faqbot_faq_entries", "Entries in the FAQ now answered from.", registry=REGISTRY
)
ADAPTER_CONNECTED = Gauge(
    "faqbot_adapter_connected",
    "1 while a platform adapter is connected, else 0.",
    ["adapter"],
    registry=REGISTRY,
)
LOG_ROWS_WRITTEN = Counter(
    "faqbot_log_rows_written", "Question-log rows (questions and votes) written.", registry=REGISTRY
)
LOG_ROWS_DROPPED = Counter(
    "faqbot_log_rows_dropped",
    "Question-log rows lost, by reason (queue_full, unavailable, write_failed, closed).",
    ["reason"],
    registry=REGISTRY,
)
WEBHOOK_REPEATS = Counter(
    "faqbot_webhook_repeats",
    "Telegram webhook deliveries of an update that was already answered (done) or was being "
    "answered by another delivery (busy: answered 503, Telegram retries), by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
SEMANTIC_READY = Gauge(
    "faqbot_semantic_ready",
    "1 while the semantic re-ranker confirms answers (model loaded, FAQ embedded), else 0.",
    registry=REGISTRY,
)
LOG_QUEUE = Gauge(
    "faqbot_log_queue_rows", "Question-log rows waiting to be written.", registry=REGISTRY
)


def observe_question(platform: str, outcome: str, seconds: float) -> None:
    """Count one question and how long deciding its answer took."""
    QUESTIONS.labels(platform, outcome).inc()
    ANSWER_SECONDS.labels(platform).observe(seconds)


def observe_reload(ok: bool, entries: int | None = None) -> None:
    """Count one reload attempt; `entries` is the new FAQ's size when it succeeded."""
    RELOADS.labels("ok" if ok else "rejected").inc()
    if entries is not None:
        FAQ_ENTRIES.set(entries)


@dataclass(frozen=True, slots=True)
class AdapterState:
    """What readiness knows about one adapter.

    Attributes:
        state: "starting", "connecting" (started, connection not up yet), "connected",
            "disconnected" (lost, reconnecting), "failed", "stopping" or "stopped".
        detail: A short reason for "failed" or what is not connected (never a secret).
    """

    state: str
    detail: str = ""

    @property
    def connected(self) -> bool:
        """True when the adapter is serving."""
        return self.state == "connected"


class AdapterStates:
    """The state of every adapter of this process, mirrored in `faqbot_adapter_connected`."""

    def __init__(self) -> None:
        """Start with no adapter known."""
        self._lock = threading.Lock()
        self._states: dict[str, AdapterState] = {}

    def set(self, name: str, state: str, detail: str = "") -> None:
        """Record an adapter's state (the runner, or an adapter that lost its connection)."""
        with self._lock:
            self._states[name] = AdapterState(state, detail)
        ADAPTER_CONNECTED.labels(name).set(1 if state == "connected" else 0)

    def snapshot(self) -> dict[str, AdapterState]:
        """Every adapter's state now."""
        with self._lock:
            return dict(self._states)

    def clear(self) -> None:
        """Forget every adapter (a new run, or a test)."""
        with self._lock:
            names = list(self._states)
            self._states.clear()
        for name in names:
            ADAPTER_CONNECTED.remove(name)


ADAPTERS = AdapterStates()
