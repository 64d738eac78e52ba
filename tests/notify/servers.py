"""A real HTTP server on 127.0.0.1 standing in for an SMS gateway, WeChat, a WeCom or a
DingTalk robot: it records each request and answers from a script (the last answer
repeats), so the providers are tested on the wire, not at a seam."""

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    headers: dict[str, str] = field(default_factory=dict)


class StandIn:
    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [Reply()]
        self.received: list[Received] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._answer(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                owner._answer(self, self.rfile.read(length))

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies = list(replies)

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        with self._lock:
            self.received.append(
                Received(
                    handler.command,
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in handler.headers.items()},
                    body,
                )
            )
            reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        raw = json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(raw)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(raw)

    def posts(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.method == "POST" and path in (None, r.path)]
