"""The life cycle every test HTTP server shares: bind 127.0.0.1 on a free port, serve from a
daemon thread, stop cleanly, work as a context manager."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    name = "loopback-server"
    address = "127.0.0.1"  # any 127.0.0.0/8 address: a second "site" on its own host name
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer

    def __init__(self) -> None:
        self.base_url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def before_start(self) -> None:
        """Hook: prepare what the handler serves."""

    def after_bind(self) -> None:
        """Hook: what needs the port (pages with absolute URLs)."""

    def before_stop(self) -> None:
        """Hook: release whatever a handler may be waiting on."""

    def start(self) -> Self:
        self.before_start()
        server = self.server_class((self.address, 0), self.handler_class())
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://{self.address}:{server.server_address[1]}"
        self.after_bind()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.before_stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base_url + path
