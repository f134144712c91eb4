"""Bounded retries and error mapping for model HTTP calls, shared by the chat models and the remote embedders.

The SDKs' own retry loops are switched off so that this one is the only one: its bound is ours (``max_retries``
extra attempts, each delay capped), it can be tested without waiting, and every failure leaves as an ``LlmError``
subclass that names the server, never as a provider exception.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from graphmem.providers.llm import LlmError, LlmUnavailable

T = TypeVar("T")

# Module-level so tests can record the delays instead of sleeping through them.
_sleep: Callable[[float], None] = time.sleep

Kind = Literal["transient", "auth", "client", "other"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` attempts after the first; exponential backoff from ``backoff`` seconds with jitter, each
    delay at most ``max_backoff``; a server's Retry-After is honoured up to ``max_retry_after`` seconds."""

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None and math.isfinite(retry_after) and retry_after >= 0:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # "equal jitter": spreads clients, keeps a floor


@dataclass(frozen=True)
class Failure:
    """What an exception means for the retry loop: retry it, or map it to one error right away."""

    kind: Kind
    status: int | None
    message: str
    retry_after: float | None = None


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Parse ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date); None when absent or malformed."""
    if not headers:
        return None
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value) if divisor == 1.0 else None
            if parsed is None:
                continue
            seconds = float(email.utils.mktime_tz(parsed) - time.time())
        return seconds if math.isfinite(seconds) else None
    return None


def _status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _server_message(exc: BaseException) -> str:
    """The server's own words where the exception carries an OpenAI-style error body, else the exception text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) and message else str(exc) or type(exc).__name__


def classify(exc: BaseException) -> Failure:
    """Sort an exception from any client (openai, httpx, LangChain providers) by duck typing, so no SDK is needed
    to recognise HTTP statuses, timeouts and connection failures."""
    status = _status_of(exc)
    message = _server_message(exc)
    if status is not None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if status in (401, 403):
            return Failure("auth", status, message)
        if status in (408, 409, 429) or status >= 500:
            return Failure("transient", status, message, retry_after_seconds(headers))
        if 400 <= status < 500:
            return Failure("client", status, message)
    names = {cls.__name__ for cls in type(exc).__mro__}
    transport = {"TimeoutError", "ConnectionError", "APITimeoutError", "APIConnectionError", "TransportError"}
    if names & transport or any(n.endswith(("Timeout", "TimeoutException")) for n in names):
        return Failure("transient", None, message)
    return Failure("other", status, message)


def describe(failure: Failure, exc: BaseException) -> str:
    http = f"HTTP {failure.status}: " if failure.status is not None else ""
    return f"{type(exc).__name__}: {http}{failure.message}"


def to_llm_error(exc: BaseException, target: str, failure: Failure | None = None) -> LlmError:
    """Map a non-retried failure to the ``LlmError`` family; ``target`` names the server and model."""
    failure = failure or classify(exc)
    if failure.kind == "auth":
        return LlmUnavailable(
            f"{target}: the server refused the API key (HTTP {failure.status}); check api_key or the "
            f"environment variable it falls back to. Server said: {failure.message}"
        )
    if failure.kind == "transient":
        return LlmUnavailable(f"{target} is unavailable: {describe(failure, exc)}")
    if failure.kind == "client":
        return LlmError(f"{target} rejected the request (HTTP {failure.status}): {failure.message}")
    return LlmError(f"{target} failed: {describe(failure, exc)}")


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    target: str,
    wrap: tuple[type[BaseException], ...] = (Exception,),
) -> T:
    """Run ``fn``, retrying transient failures (429, 5xx, 408/409, timeouts, connection errors) with backoff.

    Exceptions of the ``wrap`` types are mapped to ``LlmError`` subclasses (after the retries, for transient ones);
    anything else propagates untouched, so programming errors are not disguised as model failures.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except LlmError:
            raise
        except wrap as exc:
            failure = classify(exc)
            if failure.kind != "transient":
                raise to_llm_error(exc, target, failure) from exc
            if attempt > policy.max_retries:
                raise LlmUnavailable(
                    f"{target} is unavailable after {attempt} attempt(s); last error: {describe(failure, exc)}"
                ) from exc
            _sleep(policy.delay(attempt, failure.retry_after))
