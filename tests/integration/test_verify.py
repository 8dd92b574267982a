"""`citewarc verify` end to end: a real crawl of the fixture article in a local folder and in
SeaweedFS, read back and checked; then damaged one way at a time (byte flipped, WARC cut short,
file deleted, file added, manifest gone) and verify must name the file and exit 6.

One crawl per store (module scope); each damaging test works on a copy (local) or puts the
original object back afterwards (S3).
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_SECRET_KEY

pytestmark = pytest.mark.integration


@dataclass
class Crawl:
    workdir: Path
    store: str  # what --store gets
    crawl_id: str
    manifest: dict
    env: dict[str, str]

    @property
    def keys(self) -> list[str]:
        return [f["key"] for f in self.manifest["files"]]

    def warc_key(self) -> str:
        """The largest WARC: damage in its middle lands inside a record."""
        warcs = [f for f in self.manifest["files"] if f["key"].endswith(".warc.gz")]
        return max(warcs, key=lambda f: f["bytes"])["key"]

    def text_key(self) -> str:
        return next(k for k in self.keys if "/text/" in k)


def verify(crawl: Crawl, *extra: str, store: str | None = None):
    return run_citewarc_in(crawl.workdir, ["verify", *extra, crawl.crawl_id,
                                           "--store", store or crawl.store], env=crawl.env)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("citewarc: error: "), lines[0]
    assert "Traceback" not in stderr and S3_TEST_SECRET_KEY not in stderr
    return lines[0]


def lines_by_key(stdout: str) -> dict[str, str]:
    """``{key: line}`` from verify's stdout (status word, padding, key, optional ': detail')."""
    out = {}
    for line in stdout.splitlines():
        key = line[9:].split(": ", 1)[0]
        assert key not in out, f"two lines for {key}"
        out[key] = line
    return out


def assert_only_problem(result, crawl: Crawl, key: str, status: str) -> str:
    assert result.returncode == 6, result.stdout + result.stderr
    by_key = lines_by_key(result.stdout)
    assert by_key[key].startswith(f"{status:<8} {key}"), by_key[key]
    others = {k: line for k, line in by_key.items() if k != key}
    assert all(line.startswith("ok       ") for line in others.values()), others
    assert set(by_key) == set(crawl.keys), "one line per manifest file"
    line = one_error_line(result.stderr)
    assert crawl.crawl_id in line
    return by_key[key]


def last_record_offset(data: bytes) -> int:
    iterator = ArchiveIterator(io.BytesIO(data))
    offset = 0
    for _record in iterator:
        offset = iterator.get_record_offset()
    return offset


def flip_middle_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


# ---------------------------------------------------------------------------------------------
# One crawl per store
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def local_crawl(fixture_web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    workdir = tmp_path_factory.mktemp("verify-local")
    result = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH), "--store", "archive"])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    manifest = json.loads((workdir / "archive" / crawl_id / "manifest.json").read_text())
    return Crawl(workdir, "archive", crawl_id, manifest, {})


@pytest.fixture
def local_copy(local_crawl: Crawl, tmp_path: Path) -> Crawl:
    """The local crawl copied to a fresh store this test may damage."""
    shutil.copytree(local_crawl.workdir / "archive", tmp_path / "archive")
    return Crawl(tmp_path, "archive", local_crawl.crawl_id, local_crawl.manifest, {})


@pytest.fixture(scope="module")
def s3_crawl(fixture_web: FixtureWeb, s3_server, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    bucket = f"verify-{uuid.uuid4().hex[:12]}"
    s3_server.start()
    s3_server.client().create_bucket(Bucket=bucket)
    workdir = tmp_path_factory.mktemp("verify-s3")
    store = f"s3://{bucket}/crawls"
    result = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH), "--store", store],
                             env=s3_server.env())
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    body = s3_server.client().get_object(Bucket=bucket, Key=f"crawls/{crawl_id}/manifest.json")["Body"]
    return Crawl(workdir, store, crawl_id, json.loads(body.read()), s3_server.env())


@pytest.fixture
def s3_object(s3_crawl: Crawl, s3_server) -> Iterator:
    """``replace(key, data)`` / ``delete(key)`` on the S3 crawl, every original put back after."""
    client = s3_server.client()
    bucket, prefix = s3_crawl.store.removeprefix("s3://").split("/", 1)
    saved: dict[str, bytes] = {}

    class Objects:
        def read(self, key: str) -> bytes:
            return client.get_object(Bucket=bucket, Key=f"{prefix}/{key}")["Body"].read()

        def _save(self, key: str) -> None:
            saved.setdefault(key, self.read(key))

        def replace(self, key: str, data: bytes) -> None:
            self._save(key)
            client.put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=data)

        def delete(self, key: str) -> None:
            self._save(key)
            client.delete_object(Bucket=bucket, Key=f"{prefix}/{key}")

    yield Objects()
    for key, data in saved.items():
        client.put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=data)


# ---------------------------------------------------------------------------------------------
# Intact crawls pass
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["local_crawl", "s3_crawl"])
def test_intact_crawl_verifies(which: str, request: pytest.FixtureRequest):
    crawl: Crawl = request.getfixturevalue(which)
    result = verify(crawl)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"ok       {key}" for key in crawl.keys]
    assert any(k.endswith(".warc.gz") for k in crawl.keys) and any("/text/" in k for k in crawl.keys)
    verdict = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(verdict) == 1 and crawl.crawl_id in verdict[0] and "match" in verdict[0], result.stderr
    assert "Traceback" not in result.stderr


def test_wacz_is_verified_when_packaged(local_crawl: Crawl):
    wacz = f"{local_crawl.crawl_id}/{local_crawl.crawl_id}.wacz"
    assert wacz in local_crawl.keys, "every crawl packages a WACZ"
    assert f"ok       {wacz}" in verify(local_crawl).stdout.splitlines()


# ---------------------------------------------------------------------------------------------
# Damage is found and named
# ---------------------------------------------------------------------------------------------

def test_local_byte_flipped_in_warc(local_copy: Crawl):
    key = local_copy.warc_key()
    path = local_copy.workdir / "archive" / key
    path.write_bytes(flip_middle_byte(path.read_bytes()))
    line = assert_only_problem(verify(local_copy), local_copy, key, "CORRUPT")
    assert "record at offset " in line and "sha256 differs" in line


def test_s3_byte_flipped_in_warc(s3_crawl: Crawl, s3_object):
    key = s3_crawl.warc_key()
    s3_object.replace(key, flip_middle_byte(s3_object.read(key)))
    line = assert_only_problem(verify(s3_crawl), s3_crawl, key, "CORRUPT")
    assert "sha256 differs" in line


@pytest.mark.parametrize("cut", ["mid-last-record", "gzip-trailer"])
def test_s3_truncated_warc(s3_crawl: Crawl, s3_object, cut: str):
    """Cut inside the last record, or only its gzip trailer (what `warcio check` lets through)."""
    key = s3_crawl.warc_key()
    data = s3_object.read(key)
    last = last_record_offset(data)
    end = (last + len(data)) // 2 if cut == "mid-last-record" else len(data) - 4
    s3_object.replace(key, data[:end])
    line = assert_only_problem(verify(s3_crawl), s3_crawl, key, "CORRUPT")
    assert f"record at offset {last}: gzip member cut short" in line, line
    assert "size differs" in line


def test_s3_changed_text_file_is_a_mismatch(s3_crawl: Crawl, s3_object):
    key = s3_crawl.text_key()
    s3_object.replace(key, s3_object.read(key).replace(b'"', b"'", 1))
    line = assert_only_problem(verify(s3_crawl), s3_crawl, key, "MISMATCH")
    assert "sha256 differs (expected " in line and "size differs" not in line


@pytest.mark.parametrize("where", ["local", "s3"])
def test_deleted_text_file_is_missing(where: str, request: pytest.FixtureRequest):
    if where == "local":
        crawl: Crawl = request.getfixturevalue("local_copy")
        key = crawl.text_key()
        (crawl.workdir / "archive" / key).unlink()
    else:
        crawl = request.getfixturevalue("s3_crawl")
        key = crawl.text_key()
        request.getfixturevalue("s3_object").delete(key)
    line = assert_only_problem(verify(crawl), crawl, key, "MISSING")
    assert line == f"MISSING  {key}"


def test_unlisted_file_is_extra(local_copy: Crawl):
    extra = f"{local_copy.crawl_id}/text/smuggled.json"
    (local_copy.workdir / "archive" / extra).write_text("{}")
    result = verify(local_copy)
    assert result.returncode == 6
    assert f"EXTRA    {extra}" in result.stdout.splitlines()
    assert "1 extra" in one_error_line(result.stderr)


def test_manifest_key_outside_the_crawl_is_refused(local_copy: Crawl):
    path = local_copy.workdir / "archive" / local_copy.crawl_id / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["files"].append({"key": "../../etc/passwd", "sha256": "0" * 64, "bytes": 1})
    path.write_text(json.dumps(manifest))
    result = verify(local_copy)
    assert result.returncode == 6
    assert f"CORRUPT  {local_copy.crawl_id}/manifest.json: manifest files[" in result.stdout
    assert "passwd" not in result.stdout.replace("'../../etc/passwd'", "")


# ---------------------------------------------------------------------------------------------
# Crawls that cannot be verified
# ---------------------------------------------------------------------------------------------

def test_crawl_without_manifest_is_incomplete(local_copy: Crawl):
    (local_copy.workdir / "archive" / local_copy.crawl_id / "manifest.json").unlink()
    result = verify(local_copy)
    assert result.returncode == 6
    assert "incomplete crawl" in one_error_line(result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize("which", ["local_crawl", "s3_crawl"])
def test_unknown_crawl_id_is_a_usage_error(which: str, request: pytest.FixtureRequest):
    crawl: Crawl = request.getfixturevalue(which)
    unknown = "20000101T000000Z-nothing-here"
    result = run_citewarc_in(crawl.workdir, ["verify", unknown, "--store", crawl.store], env=crawl.env)
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert unknown in line
    assert (crawl.store if which == "s3_crawl" else str(crawl.workdir / "archive")) in line


def test_malformed_crawl_id_is_a_usage_error(local_crawl: Crawl):
    result = run_citewarc_in(local_crawl.workdir, ["verify", "../archive", "--store", "archive"])
    assert result.returncode == 2
    assert "not a crawl id" in one_error_line(result.stderr)
