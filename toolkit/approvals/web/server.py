"""Binding and running the inbox: loopback unless asked otherwise, a fresh token, uvicorn on a bound socket.

The socket is bound before the app is built, so `--port 0` works and the Host
and Origin allow-lists name the real port. uvicorn's access log is off: the
first request's URL holds the token.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import time
from typing import Callable, Iterable

from toolkit.approvals.service import ApprovalService
from toolkit.approvals.web.app import InboxSettings, create_app

LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")


class RemoteRefused(ValueError):
    """A non-loopback bind without `--allow-remote`."""


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    bare = host.strip("[]")
    try:
        return f"[{bare}]" if ipaddress.ip_address(bare).version == 6 else bare
    except ValueError:
        return host


class Inbox:
    """A bound inbox: `.url` (with the token) once constructed; `.run()` blocks, `.start()` serves from a thread."""

    def __init__(self, service: ApprovalService | Callable[[], ApprovalService], *, host: str = "127.0.0.1",
                 port: int = 0, allow_remote: bool = False, decided_by: str = "web inbox",
                 extra_hosts: Iterable[str] = (), token: str | None = None, store_name: str = "",
                 poll_ms: int = 2000) -> None:
        if not is_loopback(host) and not allow_remote:
            raise RemoteRefused(f"refusing to serve the inbox on {host}: it is not a loopback address; anyone who "
                                "can reach it and learns the token can decide asks. Pass --allow-remote to do it "
                                "anyway (prefer an SSH tunnel to 127.0.0.1)")
        bind_host = "127.0.0.1" if host.strip().lower() == "localhost" else host.strip("[]")
        family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((bind_host, port))
        except OSError:
            self.socket.close()
            raise
        self.socket.listen(64)
        self.socket.setblocking(False)
        self.host = bind_host
        self.port = self.socket.getsockname()[1]
        self.token = token or secrets.token_urlsafe(32)
        names = {_url_host(bind_host).lower(), *(h.strip().lower() for h in extra_hosts if h.strip())}
        if is_loopback(bind_host):
            names.update(LOCAL_NAMES)
        hosts = tuple(sorted(f"{n}:{self.port}" for n in names))
        self.base = f"http://{_url_host(bind_host)}:{self.port}"
        self.url = f"{self.base}/?token={self.token}"
        self.settings = InboxSettings(token=self.token, allowed_hosts=hosts,
                                      allowed_origins=tuple(f"http://{h}" for h in hosts),
                                      decided_by=decided_by, cookie_name=f"cedar_gates_inbox_{self.port}",
                                      store_name=store_name, poll_ms=poll_ms)
        self.app = create_app(service, self.settings)
        self._server = None
        self._thread: threading.Thread | None = None

    def _make_server(self):
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                server_header=False, date_header=False, proxy_headers=False)
        self._server = uvicorn.Server(config)
        return self._server

    def run(self) -> None:
        server = self._make_server()
        try:
            server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def start(self, timeout_s: float = 10.0) -> "Inbox":
        server = self._make_server()
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self.socket]}, daemon=True,
                                        name="cedar-gates-inbox")
        self._thread.start()
        stop = time.monotonic() + timeout_s
        while not server.started:
            if time.monotonic() > stop or not self._thread.is_alive():
                raise RuntimeError("the inbox did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()
