"""A real redis-server (Debian's) on a free loopback port, in a folder of its own, for the
distributed-crawl tests.

    server = RedisServer(tmp_dir).start()
    server.url                      # "redis://127.0.0.1:PORT/0": what --redis takes
    server.client().ping()
    server.kill(); server.start()   # a crash and a restart on the same port and data (AOF replayed)
    server.stop()

Append-only persistence is on with ``appendfsync always``, so a test can kill Redis mid-crawl and
start it again without losing an acknowledged write (issue 12: "Redis restarting mid-crawl, with
its persistence on, does not lose the crawl"). No config file is read: every option is on the
command line, so no system-wide ``/etc/redis/redis.conf`` (or its 0.0.0.0 bind) applies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READY_TIMEOUT = 20.0


def find_redis_server() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("redis-server not found: `make redis` installs Debian's redis-server")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RedisServer:
    data_dir: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "redis.log"

    def command(self) -> list[str]:
        return [
            find_redis_server(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--protected-mode", "yes",
            "--dir", str(self.data_dir),
            "--dbfilename", "dump.rdb",
            "--appendonly", "yes",
            "--appendfsync", "always",  # a kill loses nothing Redis acknowledged
            "--save", "",  # AOF alone: no RDB snapshots forking mid-test
            "--daemonize", "no",
            "--logfile", str(self.log_path),
            "--unixsocket", "",
        ]

    def start(self) -> RedisServer:
        """Start (or restart on the same port and data) and wait until it answers PING."""
        if self.proc is not None and self.proc.poll() is None:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_ready()
        return self

    def client(self, **kwargs: Any):
        import redis  # noqa: PLC0415 - only the distributed tests need it

        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=5, **kwargs)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if self.client().ping():
                    return
            except Exception as exc:  # not up yet, or still loading its AOF
                last = exc
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"redis-server not ready after {READY_TIMEOUT:.0f}s ({last}):\n"
                           f"{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop (SIGTERM: Redis flushes its AOF), SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Sudden death (SIGKILL), for restart-mid-crawl tests."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
