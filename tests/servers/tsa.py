"""A real RFC 3161 timestamp authority for tests: ``openssl ts -reply`` behind a loopback HTTP server.

    with TsaServer() as tsa:             # a CA and a TSA certificate made by openssl in a temp dir
        tsa.url                          # POST application/timestamp-query here
        tsa.ca_pem, tsa.tsa_cert_pem     # paths: what `openssl ts -verify -CAfile/-untrusted` reads
        tsa.requests                     # queries answered with a token
        tsa.attempts                     # every request received, the refused (503) ones too
        with tsa.outage(): ...           # 503 to everything meanwhile (also .down() / .up())
        tsa.down(2)                      # 503 to the next two POSTs, then answers again
        tsa.answer_with(old_reply)       # a canned reply for every query (a replay), None to stop
        tsa.tamper = fn                  # stamp fn(query) instead of the query (a lying TSA)
        tsa.delay = 2.0                  # answer that late (a timeout); tsa.redirect_to = url (a 302)

    with refusing_port() as port: ...    # a loopback port where nothing listens: connections refused

Nothing here imitates a TSA: the replies are openssl's, signed by a certificate with the critical
timeStamping EKU, so what the project verifies is what a real TSA sends. ``TsaPki`` alone (no HTTP)
lets unit tests stamp a query with ``pki.reply(query)``.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Literal

from tests.servers.loopback import LoopbackServer

KeyType = Literal["rsa", "ec"]
POLICY = "1.3.6.1.4.1.99999.1.1"  # a private-arc test policy: what the token's TSTInfo.policy carries

_CNF = """\
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = {policy}
other_policies = 1.3.6.1.4.1.99999.1.2
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str | Path, cwd: Path) -> None:
    result = subprocess.run(["openssl", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args[:2]))} failed: {result.stderr.strip()}")


def _new_key_args(key_type: KeyType) -> list[str]:
    if key_type == "rsa":
        return ["-newkey", "rsa:2048"]
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]


@dataclass(frozen=True)
class TsaPki:
    """A CA, a TSA certificate it signed and the openssl.cnf whose ``[tsa]`` section uses them."""

    folder: Path
    ca_pem: Path
    tsa_cert_pem: Path
    config: Path

    def reply(self, query: bytes) -> bytes:
        """``openssl ts -reply`` for one TimeStampReq DER: the TimeStampResp DER (not thread-safe:
        the serial file; the server serialises calls)."""
        with tempfile.TemporaryDirectory(dir=self.folder) as scratch:
            query_path, reply_path = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
            query_path.write_bytes(query)
            _openssl("ts", "-reply", "-config", self.config, "-queryfile", query_path,
                     "-out", reply_path, cwd=self.folder)
            return reply_path.read_bytes()


def make_pki(folder: Path, key_type: KeyType = "rsa", name: str = "citewarc test TSA") -> TsaPki:
    """A self-signed CA and a TSA certificate (EKU critical timeStamping) in ``folder``, by openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "openssl.cnf"
    config.write_text(_CNF.format(dir=folder, policy=POLICY))
    (folder / "tsaserial").write_text("01\n")
    _openssl("req", "-x509", *_new_key_args(key_type), "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "3650", "-subj", f"/CN={name} CA", "-config", config, "-extensions", "ca_ext",
             cwd=folder)
    _openssl("req", "-new", *_new_key_args(key_type), "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
             "-subj", f"/O=citewarc tests/CN={name}", "-config", config, cwd=folder)
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2",
             "-days", "3650", "-sha256", "-extfile", config, "-extensions", "tsa_ext", "-out", "tsa.pem",
             cwd=folder)
    return TsaPki(folder=folder, ca_pem=folder / "ca.pem", tsa_cert_pem=folder / "tsa.pem", config=config)


class TsaServer(LoopbackServer):
    """The TSA over HTTP (RFC 3161 section 3.4): POST a query, get ``application/timestamp-reply``."""

    name = "tsa-server"

    def __init__(self, key_type: KeyType = "rsa", folder: Path | None = None) -> None:
        super().__init__()
        self.key_type = key_type
        self._own_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="citewarc-tsa-"))
        self.pki: TsaPki | None = None
        self.requests = 0  # queries answered with openssl's reply
        self.attempts = 0  # every request that arrived, answered or not
        self.is_down = False
        self.down_left: int | None = None  # with is_down: refuse only this many more POSTs
        self.canned: bytes | None = None
        self.tamper: Callable[[bytes], bytes] | None = None
        self.delay = 0.0
        self.redirect_to: str | None = None
        self.redirect_status = 302
        self._lock = threading.Lock()  # one openssl at a time: the serial file
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def url(self) -> str:  # type: ignore[override]  (an attribute here, not LoopbackServer's url(path))
        return self.base_url + "/tsa"

    @property
    def ca_pem(self) -> Path:
        assert self.pki is not None, "TsaServer not started"
        return self.pki.ca_pem

    @property
    def tsa_cert_pem(self) -> Path:
        assert self.pki is not None, "TsaServer not started"
        return self.pki.tsa_cert_pem

    ca_pem_path = ca_pem  # the names SPEC14.md uses
    tsa_cert_path = tsa_cert_pem

    def before_start(self) -> None:
        if self.pki is None:
            self.pki = make_pki(self.folder, self.key_type)

    def stop(self) -> None:
        super().stop()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def down(self, count: int | None = None) -> None:
        """Answer 503 to everything until ``up()``, or only to the next ``count`` POSTs."""
        self.is_down = True
        self.down_left = count

    def up(self) -> None:
        self.is_down = False
        self.down_left = None
        self.canned = self.tamper = self.redirect_to = None
        self.redirect_status = 302
        self.delay = 0.0

    @contextlib.contextmanager
    def outage(self, count: int | None = None) -> Iterator[None]:
        """Down meanwhile; afterwards up, with every other misbehaviour switched off too."""
        self.down(count)
        try:
            yield
        finally:
            self.up()

    def arrived(self) -> None:
        with self._idle:
            self.attempts += 1
            self._in_flight += 1

    def finished(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once no POST is being answered (a late answer would count in the next test)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def answer_with(self, reply: bytes | None) -> None:
        """Answer every query with this reply (a replayed token) until ``answer_with(None)``."""
        self.canned = reply

    def answer(self, query: bytes) -> tuple[int, bytes]:
        """(HTTP status, body) for one POSTed query."""
        with self._lock:
            if self.is_down:
                if self.down_left is not None:
                    self.down_left -= 1
                    if self.down_left <= 0:
                        self.is_down, self.down_left = False, None
                return 503, b"timestamp service unavailable\n"
            if self.canned is not None:
                self.requests += 1
                return 200, self.canned
            assert self.pki is not None
            try:
                reply = self.pki.reply(self.tamper(query) if self.tamper else query)
            except RuntimeError as exc:
                return 400, str(exc).encode()
            self.requests += 1
            return 200, reply

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _make_handler(self)


def _make_handler(server: TsaServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:  # noqa: A002  (stdlib signature)
            pass

        def _send(self, status: int, body: bytes, content_type: str, location: str | None = None) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def do_POST(self) -> None:
            server.arrived()
            try:
                self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            finally:
                server.finished()

        def _answer(self, query: bytes) -> None:
            if server.redirect_to:
                self._send(server.redirect_status, b"", "text/plain", location=server.redirect_to)
                return
            if server.delay:
                time.sleep(server.delay)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self._send(415, b"expected application/timestamp-query\n", "text/plain")
                return
            status, body = server.answer(query)
            self._send(status, body, "application/timestamp-reply" if status == 200 else "text/plain")

        def do_GET(self) -> None:
            server.arrived()
            try:
                self._send(503 if server.is_down else 405, b"POST a timestamp query\n", "text/plain")
            finally:
                server.finished()

    return Handler


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port bound but not listening for the duration: every connection is refused
    (no race with another process taking a port that was merely free a moment ago)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()
