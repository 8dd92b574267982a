"""``citewarc replay`` as a real subprocess for tests: start, wait until ready, stop, check cleanup.

    with ReplayProcess(workdir, [crawl_id, "--store", store]) as replay:
        replay.urls                     # the seed replay URLs printed on stdout
        replay.url_for(replay.urls[0], "mp_")
    # on exit: SIGTERM, exit code 0, nothing listening on the port, no pywb left

The ready signal is the "replaying ..." line on stderr, printed after every seed URL. The port is
picked free just before the start; pywb binds it itself (a race with another process taking the
port in between is possible but harmless: the start then fails with exit 2, loudly).
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from tests.conftest import REPO_ROOT, citewarc_command, citewarc_env
from tests.servers.seaweed import free_ports

# Debian's Chromium, driven by Playwright (which must never download a browser of its own).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = REPO_ROOT / "test-artifacts"  # screenshots (gitignored)
READY_TIMEOUT = 90  # seconds: pywb starts in a few, a cold replay environment in more
STOP_TIMEOUT = 30
REPLAY_URL = re.compile(r"^(http://[^/]+/citewarc/)(\d{14})(/)(.+)$")


def port_is_listening(host: str, port: int) -> bool:
    """Whether anything listens on host:port (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError:
            return True
    return False


def wayback_processes(port: int) -> list[tuple[int, str]]:
    """(pid, command line) of running pywb ``wayback`` processes serving ``port``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if any(Path(a).name == "wayback" for a in args[:2]) and str(port) in args:
            found.append((int(entry.name), " ".join(args)))
    return found


def with_mode(replay_url: str, mode: str) -> str:
    """``.../citewarc/<ts>/<url>`` -> ``.../citewarc/<ts><mode>/<url>`` (``mp_``, ``id_``)."""
    match = REPLAY_URL.match(replay_url)
    assert match, f"not a framed replay URL: {replay_url}"
    prefix, ts, slash, url = match.groups()
    return f"{prefix}{ts}{mode}{slash}{url}"


class ReplayProcess:
    """One ``citewarc replay`` subprocess on 127.0.0.1:<free port>."""

    def __init__(self, workdir: Path, args: Sequence[str], env: dict[str, str] | None = None,
                 port: int | None = None, host: str = "127.0.0.1", own_group: bool = False):
        self.workdir, self.args, self.extra_env = workdir, list(args), env
        self.own_group = own_group  # its own process group, as a shell job: Ctrl-C hits the group
        self.host = host
        self.port = port or free_ports(1)[0]
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self._ready = threading.Event()
        self._readers: list[threading.Thread] = []

    # ---- lifecycle ----------------------------------------------------------------------------

    def start(self, timeout: float = READY_TIMEOUT) -> ReplayProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [*citewarc_command(), "replay", *self.args, "--port", str(self.port),
                   "--host", self.host]
        self.process = subprocess.Popen(
            command, cwd=self.workdir, env=citewarc_env(self.workdir, self.extra_env),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            process_group=0 if self.own_group else None,
            # As a terminal's foreground job has it: Ctrl-C delivered. A suite started in the
            # background of a script (no job control) hands SIGINT down ignored, and Python then
            # never turns it into KeyboardInterrupt (the Ctrl-C test failed only when run so).
            preexec_fn=_sigint_delivered,
        )
        self._readers = [threading.Thread(target=self._read, daemon=True)]
        for reader in self._readers:
            reader.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.process.poll() is not None:
                self._join_readers()
                raise AssertionError(
                    f"citewarc replay exited {self.process.returncode} before it was ready:\n"
                    + self.output()
                )
            if time.monotonic() > deadline:
                self.stop(check=False)
                raise AssertionError(f"citewarc replay not ready within {timeout} s:\n{self.output()}")
        return self

    def _read(self) -> None:
        """Both pipes in one thread, stdout first: the seed URLs are printed (and flushed) before
        "replaying ..." goes to stderr, so when that line is read the URLs have been read too."""
        assert self.process is not None
        streams = {self.process.stdout.fileno(): self.stdout_lines,
                   self.process.stderr.fileno(): self.stderr_lines}
        pending = {fd: b"" for fd in streams}
        with selectors.DefaultSelector() as selector:
            for fd in streams:
                selector.register(fd, selectors.EVENT_READ)
            while selector.get_map():
                ready = [key.fd for key, _ in selector.select()]
                for fd in sorted(ready, key=lambda fd: streams[fd] is not self.stdout_lines):
                    data = os.read(fd, 65536)
                    if not data:  # end of output: flush an unterminated last line
                        selector.unregister(fd)
                        data = b"\n"
                    *lines, pending[fd] = (pending[fd] + data).split(b"\n")
                    for line in filter(None, lines):
                        text = line.decode("utf-8", "replace")
                        streams[fd].append(text)
                        if streams[fd] is self.stderr_lines and text.startswith("replaying "):
                            self._ready.set()

    def _join_readers(self) -> None:
        for reader in self._readers:
            reader.join(timeout=5)

    def send(self, signum: int) -> int:
        """Send ``signum`` (to its process group if it has its own) and wait for the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            if self.own_group:
                os.killpg(self.process.pid, signum)  # the group this object created, nothing else
            else:
                self.process.send_signal(signum)
        try:
            self.returncode = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.returncode = self.process.wait()
            raise AssertionError(f"citewarc replay ignored signal {signum} for {STOP_TIMEOUT} s") from None
        finally:
            self._join_readers()
        return self.returncode

    def stop(self, signum: int = signal.SIGTERM, check: bool = True) -> int:
        """Stop it; with ``check``, assert a clean exit: code 0, port closed, no pywb left."""
        if self.process is None:
            return 0
        code = self.send(signum)
        leftovers = wayback_processes(self.port)
        for pid, _ in leftovers:  # never leak a server, even when the assertion below fails
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if check:
            assert code == 0, f"citewarc replay exited {code} on signal {signum}:\n{self.output()}"
            assert not leftovers, f"pywb still running after citewarc replay stopped: {leftovers}"
            assert not port_is_listening(self.host, self.port), f"port {self.port} still listening"
        return code

    def __enter__(self) -> ReplayProcess:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        # When the test body already failed, do not hide its error behind a cleanup assertion.
        self.stop(check=exc_type is None)

    # ---- what tests use -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def urls(self) -> list[str]:
        return [line for line in self.stdout_lines if line.strip()]

    def output(self) -> str:
        return ("stdout:\n" + "\n".join(self.stdout_lines) + "\nstderr:\n"
                + "\n".join(self.stderr_lines[-40:]))

    def memento(self, timestamp: str, url: str, mode: str = "") -> str:
        return f"{self.base_url}/citewarc/{timestamp}{mode}/{url}"


def _sigint_delivered() -> None:
    """In the child before exec: SIGINT back to its default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
