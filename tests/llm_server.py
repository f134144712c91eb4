"""A scripted OpenAI-compatible HTTP server, so the real ``openai`` client can be tested offline.

Tests queue what each endpoint answers next (an assistant reply, a raw status, a delay, a refusal, or embedding
vectors); every request is recorded with its path, query, headers and JSON body. Both the OpenAI URL shape
(``/v1/chat/completions``) and Azure's (``/openai/deployments/<dep>/chat/completions?api-version=...``) are served.
With no embeddings scripted, vectors are computed from a hashed bag of words (deliberately not unit length, so
normalization is tested).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np


@dataclass
class Reply:
    """A chat completion whose assistant content is ``content`` (JSON-encoded unless it is already a string)."""

    content: Any
    prompt_tokens: int = 10
    completion_tokens: int = 5
    finish_reason: str = "stop"


@dataclass
class Refusal:
    """A chat completion with ``refusal`` set and no content, as OpenAI sends when a model declines."""

    text: str = "I'm sorry, I can't help with that."
    prompt_tokens: int = 10
    completion_tokens: int = 3


@dataclass
class Raw:
    """Any status and body: errors, rate limits (with headers such as Retry-After), or malformed responses."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, message: str, code: str | None = None, **headers: str) -> Raw:
        """An OpenAI-style error body; ``retry_after="2"`` becomes a ``retry-after`` header."""
        body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}
        return cls(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class Delay:
    """Wait ``seconds`` (to trip client timeouts), then answer with ``then`` (default: an empty JSON reply)."""

    seconds: float
    then: Reply | Refusal | Raw | Vectors | None = None


@dataclass
class Vectors:
    """An embeddings response with these rows, sent in reverse order of ``index`` (clients must sort them)."""

    rows: list[list[float]]


Step = Reply | Refusal | Raw | Delay | Vectors


@dataclass
class Recorded:
    endpoint: str  # "chat" or "embeddings"
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


def bag_of_words(text: str, dim: int) -> list[float]:
    """Deterministic, similarity-preserving and not normalized: counts of hashed words, plus a constant."""
    vec = np.zeros(dim, dtype=np.float64)
    vec[0] = 0.5
    for word in text.lower().split():
        vec[zlib.crc32(word.encode()) % dim] += 2.0
    return [float(x) for x in vec]


class LlmServer:
    """The server and its scripts. ``base_url`` suits ``OpenAI(base_url=...)``; ``endpoint`` suits Azure."""

    def __init__(self, embed_dim: int = 8) -> None:
        self.embed_dim = embed_dim
        self.requests: list[Recorded] = []
        self._chat: deque[Step] = deque()
        self._embeddings: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval: shutdown() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="llm-server", daemon=True
        )

    @property
    def endpoint(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.endpoint}/v1"

    def start(self) -> LlmServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases handlers waiting in a Delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script_chat(self, *steps: Step | dict[str, Any] | str) -> None:
        """Queue chat answers; a dict or str is shorthand for ``Reply(content)``."""
        with self._lock:
            self._chat.extend(s if isinstance(s, Reply | Refusal | Raw | Delay | Vectors) else Reply(s) for s in steps)

    def script_embeddings(self, *steps: Step | list[list[float]]) -> None:
        """Queue embeddings answers; a list of rows is shorthand for ``Vectors(rows)``."""
        with self._lock:
            self._embeddings.extend(s if not isinstance(s, list) else Vectors(s) for s in steps)

    def requests_to(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint == endpoint]

    @property
    def chat_requests(self) -> list[Recorded]:
        return self.requests_to("chat")

    @property
    def embedding_requests(self) -> list[Recorded]:
        return self.requests_to("embeddings")

    # -- serving ---------------------------------------------------------------------------------------------------

    def _next(self, endpoint: str) -> Step | None:
        with self._lock:
            queue = self._chat if endpoint == "chat" else self._embeddings
            return queue.popleft() if queue else None

    def _answer(self, rec: Recorded, step: Step | None) -> tuple[int, Any, dict[str, str]]:
        if isinstance(step, Delay):
            self._stopping.wait(step.seconds)
            return self._answer(rec, step.then or (Reply({}) if rec.endpoint == "chat" else None))
        if isinstance(step, Raw):
            return step.status, step.body, step.headers
        if rec.endpoint == "chat":
            if step is None:  # a client error, so a test that forgot a step fails at once instead of retrying
                return 418, {"error": {"message": "llm_server: no scripted chat response left"}}, {}
            if not isinstance(step, Reply | Refusal):
                raise TypeError(f"cannot answer a chat request with {step!r}")
            return 200, self._completion(rec, step), {}
        if step is not None and not isinstance(step, Vectors):
            raise TypeError(f"cannot answer an embeddings request with {step!r}")
        return 200, self._embedding_list(rec, step), {}

    def _completion(self, rec: Recorded, step: Reply | Refusal) -> dict[str, Any]:
        if isinstance(step, Refusal):
            message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": step.text}
            finish, tokens = "stop", (step.prompt_tokens, step.completion_tokens)
        else:
            content = step.content if isinstance(step.content, str) else json.dumps(step.content)
            message = {"role": "assistant", "content": content, "refusal": None}
            finish, tokens = step.finish_reason, (step.prompt_tokens, step.completion_tokens)
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": rec.body.get("model", "scripted"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)},
        }

    def _embedding_list(self, rec: Recorded, step: Vectors | None) -> dict[str, Any]:
        inputs = rec.body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        dim = int(rec.body.get("dimensions") or self.embed_dim)
        rows = step.rows if step is not None else [bag_of_words(str(t), dim) for t in inputs]
        b64 = rec.body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(np.asarray(row, dtype="<f4").tobytes()).decode() if b64 else row,
            }
            for i, row in enumerate(rows)
        ]
        words = sum(len(str(t).split()) for t in inputs)
        return {
            "object": "list",
            "data": data[::-1],
            "model": rec.body.get("model", "scripted"),
            "usage": {"prompt_tokens": words, "total_tokens": words},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                url = urlsplit(self.path)
                if url.path.endswith("/chat/completions"):
                    endpoint = "chat"
                elif url.path.endswith("/embeddings"):
                    endpoint = "embeddings"
                else:
                    self._send(404, {"error": {"message": f"llm_server: no route {url.path}"}}, {})
                    return
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                rec = Recorded(
                    endpoint=endpoint,
                    path=url.path,
                    query={k: v[-1] for k, v in parse_qs(url.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw or b"{}"),
                )
                with server._lock:
                    server.requests.append(rec)
                self._send(*server._answer(rec, server._next(endpoint)))

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: pytest output stays readable."""

        return Handler
