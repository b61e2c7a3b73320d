"""A scripted stand-in for the Anthropic Messages API, for driving the real Claude Code CLI.

The server listens on 127.0.0.1 (random port) and answers:

* ``POST /v1/messages`` -- streaming (SSE) or not, depending on the request's ``stream``.
  Requests of the *main agent loop* (they carry a ``tools`` list) are answered from the
  script; every other ``/v1/messages`` request (title, topic, quota or other side
  requests) gets a short harmless text reply.
* ``POST /v1/messages/count_tokens`` -- a rough token count.
* ``HEAD``/``GET`` anything else -- ``200 {}`` so reachability checks pass.

A script is a list of turns. A turn is either a string (the final text reply) or a list
of tool calls, each ``{"name": "Bash", "input": {...}}`` (optionally with ``"id"``).
Which turn answers a main-loop request is decided by the number of assistant messages
already in the request's history, so a retried request gets the same answer again and
parallel side requests cannot shift the script. When the script runs out, the model
answers ``"done"``.

Every request is recorded (method, path, headers, parsed body, kind) in ``requests``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "claude-fake-live"
SIDE_REPLY = "ok"
FINAL_DEFAULT = "done"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    kind: str  # "main", "side", "count_tokens", "other"
    turn: int | None = None


@dataclass
class _Reply:
    content: list[dict[str, Any]]
    stop_reason: str


def _text_reply(text: str) -> _Reply:
    return _Reply([{"type": "text", "text": text}], "end_turn")


def _tool_reply(calls: list[dict[str, Any]], turn: int) -> _Reply:
    blocks = []
    for i, call in enumerate(calls):
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id") or f"toolu_live_{turn:02d}_{i:02d}",
                "name": call["name"],
                "input": call.get("input", {}),
            }
        )
    return _Reply(blocks, "tool_use")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def _usage(output_tokens: int = 1) -> dict[str, int]:
    return {
        "input_tokens": 12,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _stream_body(reply: _Reply, msg_id: str) -> bytes:
    out = [
        _sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": msg_id,
                    "type": "message",
                    "role": "assistant",
                    "model": MODEL_ID,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": _usage(1),
                },
            },
        ),
        _sse("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(reply.content):
        if block["type"] == "text":
            out.append(_sse("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": {"type": "text", "text": ""}}))
            out.append(_sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                     "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            out.append(_sse("content_block_start", {"type": "content_block_start", "index": index,
                                                     "content_block": start}))
            partial = json.dumps(block["input"])
            # Two fragments, as a real stream would split the JSON.
            cut = len(partial) // 2
            for piece in (partial[:cut], partial[cut:]):
                out.append(_sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                         "delta": {"type": "input_json_delta",
                                                                   "partial_json": piece}}))
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    out.append(_sse("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                                      "usage": {"output_tokens": 8}}))
    out.append(_sse("message_stop", {"type": "message_stop"}))
    return b"".join(out)


def _message_json(reply: _Reply, msg_id: str) -> bytes:
    return json.dumps(
        {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": MODEL_ID,
            "content": reply.content,
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": _usage(8),
        }
    ).encode()


def is_main_loop(body: Any) -> bool:
    """A request of the agent loop: it offers tools (side requests offer none)."""
    return isinstance(body, dict) and bool(body.get("tools"))


def tool_results(body: Any) -> list[dict[str, Any]]:
    """All ``tool_result`` blocks in a request body's messages, in order."""
    found = []
    if not isinstance(body, dict):
        return found
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                found.append(block)
    return found


def result_text(block: dict[str, Any]) -> str:
    """The text of one tool_result block (content may be a string or a list of blocks)."""
    content = block.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


@dataclass
class FakeModel:
    """The fake Messages API server. ``start()`` binds a random loopback port."""

    script: list[Any] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> "FakeModel":
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer((self.host, 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-model", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeModel":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- script ------------------------------------------------------------------------
    def load(self, script: list[Any]) -> None:
        """Replace the script and forget earlier requests (one server can serve many runs)."""
        with self._lock:
            self.script = list(script)
            self.requests = []

    def _reply_for(self, body: Any) -> tuple[_Reply, str, int | None]:
        if not is_main_loop(body):
            return _text_reply(SIDE_REPLY), "side", None
        turn = sum(1 for m in body.get("messages") or [] if m.get("role") == "assistant")
        if turn >= len(self.script):
            return _text_reply(FINAL_DEFAULT), "main", turn
        step = self.script[turn]
        if isinstance(step, str):
            return _text_reply(step), "main", turn
        return _tool_reply(list(step), turn), "main", turn

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"msg_live_{self._counter:04d}"

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    # -- what the model saw ------------------------------------------------------------
    def main_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.kind == "main"]

    def tool_results(self) -> dict[str, dict[str, Any]]:
        """Every tool_result the model received, by tool_use_id (latest copy wins)."""
        out: dict[str, dict[str, Any]] = {}
        for rec in self.main_requests():
            for block in tool_results(rec.body):
                out[block.get("tool_use_id", "")] = block
        return out


def _make_handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            return

        def _read_body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", "replace")

        def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", "req_live")
            if content_type == "text/event-stream":
                self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def do_HEAD(self) -> None:  # noqa: N802
            model._record(Recorded("HEAD", self.path, dict(self.headers), None, "other"))
            self._send(200, b"")

        def do_GET(self) -> None:  # noqa: N802
            model._record(Recorded("GET", self.path, dict(self.headers), None, "other"))
            self._send(200, b"{}")

        def do_POST(self) -> None:  # noqa: N802
            body = self._read_body()
            path = self.path.split("?", 1)[0]
            headers = dict(self.headers)
            if path.endswith("/v1/messages/count_tokens"):
                model._record(Recorded("POST", self.path, headers, body, "count_tokens"))
                self._send(200, json.dumps({"input_tokens": 100}).encode())
                return
            if not path.endswith("/v1/messages"):
                model._record(Recorded("POST", self.path, headers, body, "other"))
                self._send(200, b"{}")
                return
            reply, kind, turn = model._reply_for(body)
            model._record(Recorded("POST", self.path, headers, body, kind, turn))
            msg_id = model._next_id()
            if isinstance(body, dict) and body.get("stream"):
                self._send(200, _stream_body(reply, msg_id), "text/event-stream")
            else:
                self._send(200, _message_json(reply, msg_id))

    return Handler
