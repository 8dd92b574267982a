"""Debian's redis-server for the distributed bench, started as the tests start theirs
(tests/servers/redis_server.py explains each flag): a folder of its own, a free loopback port,
append-only persistence with ``appendfsync always`` (what a crawl that must survive a Redis restart
runs with, so the bench pays its cost), no config file read. None when redis-server is missing.
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


@dataclass
class BenchRedis:
    proc: subprocess.Popen
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis  # noqa: PLC0415 - only the distributed benches need it

        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_redis(folder: Path) -> BenchRedis | None:
    """redis-server in ``folder`` on a free loopback port, answering PING; None without one."""
    binary = shutil.which("redis-server")
    if not binary:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--protected-mode", "yes",
           "--dir", str(folder), "--dbfilename", "dump.rdb", "--appendonly", "yes",
           "--appendfsync", "always", "--save", "", "--daemonize", "no",
           "--logfile", str(folder / "redis.log"), "--unixsocket", ""]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    server = BenchRedis(proc, port, folder)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if server.client().ping():
                return server
        except Exception:  # not up yet
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"redis-server did not start; see {folder / 'redis.log'}")
