"""A disk that fills up mid-crawl: the crawl stops with one line and exit 4, and every WARC left in
the spool is whole (each record complete, every offset the journal recorded points at a record);
once there is space again, ``--resume`` finishes the crawl.

The spool lives on a 4 MiB tmpfs mounted in a private mount namespace (``unshare -m``), so the
disk really fills; the crawl fetches 30 incompressible 256 KiB images.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.loopback import LoopbackServer

pytestmark = pytest.mark.integration

WARCIO = Path(sys.executable).with_name("warcio")
IMAGES = 30
IMAGE_SIZE = 256 * 1024
TMPFS_SIZE = "4m"


@cache
def image(n: int) -> bytes:
    return os.urandom(IMAGE_SIZE)  # incompressible: the spool fills as fast as the bytes arrive


def article() -> bytes:
    images = "".join(f"<p>Figure {n}.</p><img src='/img/{n}.jpg' alt='figure {n}'>"
                     for n in range(IMAGES))
    text = "<p>The ministry published the figures only as photographs of its ledgers.</p>" * 20
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Ledgers</title>"
            f"</head><body><article><h1>Ledgers</h1>{text}{images}</article></body></html>").encode()


class HeavySite(LoopbackServer):
    name = "heavy-site"

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:
                if self.path == "/story.html":
                    body, kind = article(), "text/html; charset=utf-8"
                elif self.path.startswith("/img/"):
                    body, kind = image(int(self.path[5:].split(".")[0])), "image/jpeg"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def can_mount_tmpfs(where: Path) -> bool:
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs '{where}'"],
                           capture_output=True)
    return probe.returncode == 0


def crawl_on_full_disk(tmp_path: Path, url: str) -> tuple[int, str, str, Path]:
    """Run ``citewarc archive`` with its spool on a small tmpfs; copy the spool out before the
    namespace (and the tmpfs) goes away."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if shutil.which("unshare") is None or not can_mount_tmpfs(mount):
        # Not a skip: without the real small filesystem this test would prove nothing.
        pytest.fail("needs `unshare -m` and tmpfs mounts (root, or user namespaces enabled)")
    kept = tmp_path / "spool-after"
    env = citewarc_env(tmp_path, {"CITEWARC_SPOOL": str(mount / "spool"),
                                  "CITEWARC_LOG_FILE": str(tmp_path / "crawl.log")})
    crawl = " ".join(f"'{a}'" for a in [*citewarc_command(), "archive", url,
                                         "--store", str(tmp_path / "store")])
    script = (f"mount -t tmpfs -o size={TMPFS_SIZE} tmpfs '{mount}' || exit 99; {crawl}; code=$?; "
              f"cp -a '{mount}/spool' '{kept}'; exit $code")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode != 99, done.stderr
    return done.returncode, done.stdout, done.stderr, kept


def journal_captures(journal: Path) -> list[dict]:
    """Every capture the journal says is done (the records a resume would trust)."""
    captures = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        for record in item.get("records", []) if item.get("t") == "page" else []:
            cap = record.get("capture")
            if cap and cap.get("warc_file"):
                captures.append(cap)
    return captures


def test_full_disk_stops_the_crawl_with_whole_warcs_then_resume_finishes(tmp_path: Path) -> None:
    with HeavySite() as site:
        code, stdout, stderr, spool = crawl_on_full_disk(tmp_path, site.url("/story.html"))
        crawl_id = stdout.strip().splitlines()[-1]
        assert_stopped_whole(code, stderr, spool, tmp_path)
        # Space is back (the spool copied to a real disk): --resume completes the same crawl.
        resumed = run_citewarc_in(tmp_path, ["archive", "--resume", crawl_id,
                                             "--store", tmp_path / "store"],
                                  env={"CITEWARC_SPOOL": str(spool),
                                       "CITEWARC_LOG_FILE": str(tmp_path / "resume.log")})
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    urls = [p["url"] for p in manifest["pages"]]
    assert len(urls) == len(set(urls)) == IMAGES + 1
    assert {p["status"] for p in manifest["pages"]} == {200}
    verify = run_citewarc_in(tmp_path, ["verify", crawl_id, "--store", tmp_path / "store"])
    assert verify.returncode == 0, verify.stderr


def assert_stopped_whole(code: int, stderr: str, spool: Path, tmp_path: Path) -> None:
    """Exit 4, one line, no manifest; every WARC whole; every journaled offset a real record."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 4, stderr
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    assert "No space left on device" in lines[0] and "--resume" in lines[0], lines[0]
    assert "Traceback" not in stderr

    (crawl_dir,) = [p.parent for p in spool.rglob("journal.jsonl")]
    assert not (crawl_dir / "manifest.json").exists()  # not claimed complete
    assert not list((tmp_path / "store").rglob("manifest.json"))
    warcs = sorted((crawl_dir / "warc").iterdir())
    assert warcs, "nothing was written before the disk filled"
    for warc in warcs:
        assert warc.name.endswith(".warc.gz"), f"{warc.name} left open or torn"
        subprocess.run(["gzip", "-t", str(warc)], check=True, timeout=60)
        check = subprocess.run([str(WARCIO), "check", str(warc)], capture_output=True, text=True,
                               timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        types = subprocess.run([str(WARCIO), "index", "-f", "warc-type", str(warc)],
                               capture_output=True, text=True, check=True).stdout
        assert types.count("warc-type") > 1, f"{warc.name} holds only its warcinfo"

    captures = journal_captures(crawl_dir / "journal.jsonl")
    assert captures, "the journal lists no finished page"
    for cap in captures:
        data = (crawl_dir / "warc" / cap["warc_file"]).read_bytes()
        member = gzip.decompress(data[cap["offset"]:cap["offset"] + cap["length"]])
        assert member.startswith(b"WARC/1.1\r\n") and cap["record_id"].encode() in member
