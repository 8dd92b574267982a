"""Serve crawls in pywb on loopback: fetch WARCs and indexes from the store into a local
collection, start pywb from its own environment, stop it cleanly.

pywb runs from ``.venv-replay`` (its pins clash with the crawler's), built by ``make install`` so
replay works offline, or built here on first use when missing.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import CitewarcError, StorageFailed, UsageError
from pipelines.keys import index_key, is_crawl_id, warc_prefix
from pipelines.manifest import seed_ends, stored_manifest
from pipelines.spool import cache_dir, store_slug
from pipelines.store.base import NotFoundError, Store, StoreError, sha256_file

COLLECTION = "citewarc"
REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO_ROOT / "replay-requirements.txt"
PINNED = ["pywb==2.10.0", "wacz==0.6.0"]  # used when replay-requirements.txt is not at hand


class ReplayError(CitewarcError):
    """The replay could not be set up or pywb stopped; the message says why."""

    exit_code = 1


class IntegrityError(CitewarcError):
    """A file from the store does not match its manifest: replaying it would mislead."""

    exit_code = 6


@dataclass
class Collection:
    root: Path  # pywb's working directory (holds collections/)
    crawl_ids: list[str]
    seeds: list[tuple[str, str]] = field(default_factory=list)  # (14-digit timestamp, url)

    @property
    def archive_dir(self) -> Path:
        return self.root / "collections" / COLLECTION / "archive"

    @property
    def index_path(self) -> Path:
        return self.root / "collections" / COLLECTION / "indexes" / "index.cdxj"


def replay_venv(configured: str | None = None) -> Path:
    """Where pywb's environment is: the setting, else the checkout's .venv-replay, else the cache."""
    if configured:
        return Path(configured).expanduser()
    local = REPO_ROOT / ".venv-replay"
    if (local / "bin" / "wayback").exists() or (REPO_ROOT / "pyproject.toml").exists():
        return local
    return cache_dir() / "venv-replay"


def ensure_replay_venv(venv: Path, say=lambda msg: None) -> Path:
    """Return pywb's ``wayback`` in ``venv``, building the environment first if it is missing."""
    wayback = venv / "bin" / "wayback"
    if wayback.exists():
        return wayback
    say(f"building the replay environment in {venv} (first use; needs the package index)")
    requirements = ["-r", str(REQUIREMENTS)] if REQUIREMENTS.exists() else PINNED
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise ReplayError(f"could not build the replay environment in {venv}: {tail[0]}") from None
    return wayback


def _timestamp14(iso: str | None) -> str:
    digits = "".join(ch for ch in (iso or "") if ch.isdigit())
    return digits[:14]


def prepare_collection(store: Store, crawl_ids: list[str], cache_root: Path) -> Collection:
    """Copy the crawls' WARCs (verified by sha256) and merged index into a pywb collection."""
    collection = Collection(root=cache_root / store_slug(store.uri), crawl_ids=crawl_ids)
    collection.archive_dir.mkdir(parents=True, exist_ok=True)
    collection.index_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    queue, loaded, requested = list(crawl_ids), set(), set(crawl_ids)
    while queue:
        crawl_id = queue.pop(0)
        if crawl_id in loaded:
            continue
        loaded.add(crawl_id)
        try:
            manifest = stored_manifest(store, crawl_id)
        except NotFoundError:
            raise UsageError(f"no complete crawl {crawl_id} in {store.uri} "
                             "(see `citewarc list`)") from None
        except StoreError as exc:
            raise StorageFailed(str(exc)) from None
        # Revisits resolve only against their originals: load the crawls they point into.
        for earlier in manifest.get("depends_on", []):
            if is_crawl_id(earlier) and earlier not in loaded:
                queue.append(earlier)
        if crawl_id in requested:
            collection.seeds.extend(_seed_urls(manifest))
        files = {f["key"]: f for f in manifest.get("files", [])}
        for key, entry in files.items():
            if not key.startswith(warc_prefix(crawl_id)) or not key.endswith(".warc.gz"):
                continue
            local = collection.archive_dir / key.rsplit("/", 1)[1]
            if not (local.exists() and sha256_file(local) == entry["sha256"]):
                try:
                    store.get_file(key, local)
                except StoreError as exc:
                    raise StorageFailed(f"cannot fetch {key}: {exc}") from None
                if sha256_file(local) != entry["sha256"]:
                    local.unlink()
                    raise IntegrityError(f"{key} in {store.uri} does not match its manifest's "
                                         f"sha256; run `citewarc verify {crawl_id}`")
        cdxj = index_key(crawl_id)
        if cdxj not in files:
            raise ReplayError(f"crawl {crawl_id} has no replay index ({cdxj})")
        lines.extend(store.read_bytes(cdxj).decode("utf-8").splitlines())
    collection.crawl_ids = sorted(loaded)
    collection.index_path.write_text("\n".join(sorted(set(lines))) + "\n", encoding="utf-8")
    return collection


def _seed_urls(manifest: dict) -> list[tuple[str, str]]:
    """(timestamp, url) of each seed, the timestamp of its final (post-redirect) capture."""
    return [(_timestamp14((page or {}).get("fetched_at")), seed) for seed, page in seed_ends(manifest)]


def exposure_warning(host: str, port: int) -> str | None:
    """A warning when pywb would listen beyond this machine (it has no login of its own)."""
    if host.lower().rstrip(".") == "localhost":
        return None
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return None
    except ValueError:
        pass  # a host name: whatever it resolves to may be reachable from the network
    return (f"warning: --host {host} is not a loopback address: every crawl in this replay "
            f"becomes readable by anyone on the network who can reach {host}:{port} "
            "(pywb asks no password)")


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name == "posix":  # as pywb (gevent) binds: connections left in TIME_WAIT do not count
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror} "
                             "(choose another port with --port)") from None


class PywbServer:
    """pywb's ``wayback`` as a child process in its own session, so Ctrl-C reaches us first."""

    def __init__(self, wayback: Path, root: Path, host: str, port: int) -> None:
        self.wayback, self.root, self.host, self.port = wayback, root, host, port
        self.log_path = root / "pywb.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [str(self.wayback), "-b", self.host, "-p", str(self.port)],
            cwd=self.root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ReplayError(f"pywb exited at start ({self._log_tail()})")
            try:
                with urllib.request.urlopen(f"{self.base_url}/{COLLECTION}/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ReplayError(f"pywb did not answer within {timeout:g} s ({self._log_tail()})")

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "no log"

    def wait(self) -> int:
        assert self.process is not None
        return self.process.wait()

    def stop(self, grace: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def replay_url(self, timestamp: str, url: str, mode: str = "") -> str:
        return f"{self.base_url}/{COLLECTION}/{timestamp}{mode}/{url}"
