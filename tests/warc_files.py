"""Checks that a stored crawl is whole, shared by the crash and resume tests.

`warcio check` alone misses a truncated last record, so every WARC also goes through `gzip -t`;
then `citewarc verify` compares every stored file with the manifest's sha256.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import citewarc_command, citewarc_env


def assert_crawl_whole(store: Path, crawl_id: str, workdir: Path, timeout: float = 120) -> None:
    """Every WARC of the crawl passes `warcio check` and `gzip -t`, and `citewarc verify` passes."""
    for warc in sorted((store / crawl_id / "warc").glob("*.warc.gz")):
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(warc)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        gzip_t = subprocess.run(["gzip", "-t", str(warc)], capture_output=True, text=True)
        assert gzip_t.returncode == 0, gzip_t.stderr
    verify = subprocess.run(
        [*citewarc_command(), "verify", crawl_id, "--store", str(store)], cwd=workdir,
        env=citewarc_env(workdir), capture_output=True, text=True, timeout=timeout,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def records(warc_dir: Path, pattern: str = "*.warc.gz") -> list[tuple[str, str | None, str | None]]:
    """(type, target URI, WARC-Truncated) of every record but warcinfo, in file order
    (``pattern="*.warc.gz*"`` also reads files still ``.open`` after a kill)."""
    found = []
    for path in sorted(warc_dir.glob(pattern)):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "warcinfo":
                    found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                  record.rec_headers.get_header("WARC-Truncated")))
    return found


def story_warc(folder: Path, prefix: str, url: str) -> list[Path]:
    """One closed WARC file in ``folder`` holding one fetch of ``url`` (a 200 HTML story): what a
    worker's part or a finalizer's input needs, without crawling."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from pipelines.warc.records import Exchange, build_exchange_records  # noqa: PLC0415
    from pipelines.warc.writer import RollingWarcWriter  # noqa: PLC0415

    writer = RollingWarcWriter(folder, prefix=prefix, info={"software": "test"}, max_size=1 << 30,
                               gzip_level=6, first_serial=0)
    records, _ = build_exchange_records(Exchange(
        url=url, method="GET", request_headers=[("Accept", "text/html")],
        fetched_at=datetime(2026, 11, 30, 12, tzinfo=UTC), status=200,
        response_headers=[("Content-Type", "text/html")], body=b"<p>story</p>"))
    writer.write(records)
    return writer.close()
