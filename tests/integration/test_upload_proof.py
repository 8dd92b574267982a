"""Uploads prove the bytes: a checksum the S3 server checks, or a read-back where it will not.

Against a real SeaweedFS, directly or through a real reverse proxy (tests/servers/s3_proxy.py)
that refuses checksum headers, corrupts upload bodies in flight, fails uploads, or holds a request
so a `push` can be killed at a known point.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import citewarc_command, citewarc_env, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_SECRET_KEY
from tests.servers.s3_proxy import S3Proxy

pytestmark = pytest.mark.integration

SMALL_MULTIPART = {"CITEWARC_S3_MULTIPART_THRESHOLD": "1024"}  # every file but tiny ones in parts


def objects(client, bucket: str) -> dict[str, int]:
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = obj["Size"]
    return out


def stored_manifest(client, bucket: str, crawl_id: str) -> dict:
    body = client.get_object(Bucket=bucket, Key=f"ev/{crawl_id}/manifest.json")["Body"].read()
    return json.loads(body)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    assert "Traceback" not in stderr and S3_TEST_SECRET_KEY not in stderr
    return lines[0]


def spool_a_crawl(fixture_web: FixtureWeb, s3_server, bucket: str, workdir: Path) -> Path:
    """Archive while every upload fails (503): exit 4, the crawl waits in the spool."""
    with S3Proxy(s3_server.endpoint, fail_uploads=True) as down:
        result = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH),
                                           "--store", f"s3://{bucket}/ev"],
                                 env=down.env(s3_server.env()) | {"CITEWARC_UPLOAD_RETRY_BUDGET": "1"})
    assert result.returncode == 4, result.stderr
    [manifest] = (workdir / "spool").rglob("manifest.json")
    return manifest.parent


@pytest.mark.parametrize("extra_env", [{}, SMALL_MULTIPART], ids=["single-part", "multipart"])
def test_every_upload_carries_a_sha256_the_server_checked(run_citewarc, fixture_web, s3_server,
                                                           s3_bucket, extra_env):
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                          f"s3://{s3_bucket}/ev", env=s3_server.env() | extra_env)
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    client = s3_server.client()
    manifest = stored_manifest(client, s3_bucket, crawl_id)
    assert manifest["upload_verification"] == "sha256-checksum"
    parts = set()
    for entry in manifest["files"]:
        head = client.head_object(Bucket=s3_bucket, Key=f"ev/{entry['key']}",
                                  ChecksumMode="ENABLED")
        checksum = head.get("ChecksumSHA256")
        assert checksum, f"{entry['key']} was stored without a SHA-256 checksum"
        if "-" in checksum:  # multipart: a checksum of the parts' SHA-256s
            parts.add(entry["key"])
        else:
            assert base64.b64decode(checksum).hex() == entry["sha256"], entry["key"]
    assert bool(parts) == bool(extra_env), "multipart only when the threshold asks for it"


def test_a_server_that_refuses_checksums_gets_a_read_back(run_citewarc, fixture_web, s3_server,
                                                          s3_bucket):
    with S3Proxy(s3_server.endpoint, refuse_checksums=True) as proxy:
        result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                              f"s3://{s3_bucket}/ev", env=proxy.env(s3_server.env()))
        refused = proxy.refused
    assert result.returncode == 0, result.stderr
    assert refused == 1, "the store is probed once, then remembers the server's answer"
    crawl_id = result.stdout.strip().splitlines()[-1]
    client = s3_server.client()
    manifest = stored_manifest(client, s3_bucket, crawl_id)
    assert manifest["upload_verification"] == "read-back"
    assert len(manifest["files"]) > 1
    stored = objects(client, s3_bucket)
    for entry in manifest["files"]:
        assert stored[f"ev/{entry['key']}"] == entry["bytes"]


@pytest.mark.parametrize(("extra_env", "only", "refuse"),
                         [({}, "", False), (SMALL_MULTIPART, "partNumber=", False), ({}, "", True)],
                         ids=["checksum-single-part", "checksum-multipart", "read-back"])
def test_bytes_corrupted_in_flight_are_never_stored_as_verified(run_citewarc, fixture_web,
                                                                 s3_server, s3_bucket, tmp_path,
                                                                 extra_env, only, refuse):
    with S3Proxy(s3_server.endpoint, corrupt_bodies=True, corrupt_only=only,
                 refuse_checksums=refuse) as proxy:
        result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                              f"s3://{s3_bucket}/ev", env=proxy.env(s3_server.env()) | extra_env)
        corrupted = proxy.corrupted
    assert corrupted, "the proxy altered the uploads"
    assert result.returncode == 4, result.stderr
    assert "verification failed" in one_error_line(result.stderr) or refuse is False
    assert not [k for k in objects(s3_server.client(), s3_bucket) if k.endswith("manifest.json")]
    assert list((tmp_path / "spool").rglob("manifest.json")), "the crawl waits in the spool"


def test_push_refuses_a_spool_file_that_changed_since_the_crawl(fixture_web, s3_server, s3_bucket,
                                                               tmp_path):
    crawl_dir = spool_a_crawl(fixture_web, s3_server, s3_bucket, tmp_path)
    warc = next((crawl_dir / "warc").glob("*.warc.gz"))
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit, same size: a disk error
    warc.write_bytes(bytes(data))
    pushed = run_citewarc_in(tmp_path, ["push", "--store", f"s3://{s3_bucket}/ev"],
                             env=s3_server.env())
    assert pushed.returncode == 6, pushed.stderr
    line = one_error_line(pushed.stderr)
    assert str(warc) in line and "changed after the crawl" in line
    assert objects(s3_server.client(), s3_bucket) == {}, "nothing of that crawl was uploaded"
    assert (crawl_dir / "manifest.json").is_file() and warc.is_file()


def test_a_push_killed_before_deleting_its_copies_finishes_on_the_next(fixture_web, s3_server,
                                                                      s3_bucket, tmp_path):
    crawl_dir = spool_a_crawl(fixture_web, s3_server, s3_bucket, tmp_path)
    crawl_id = json.loads((crawl_dir / "manifest.json").read_text())["crawl_id"]
    store = f"s3://{s3_bucket}/ev"
    # The last request before local copies are deleted lists unfinished multipart uploads.
    holding = S3Proxy(s3_server.endpoint,
                      hold_when=lambda method, path: method == "GET" and "uploads" in path)
    with holding:
        push = subprocess.Popen([*citewarc_command(), "push", "--store", store], cwd=tmp_path,
                                env=citewarc_env(tmp_path, holding.env(s3_server.env())),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            assert holding.held.wait(120), "the push never finished uploading"
        finally:
            os.killpg(push.pid, signal.SIGKILL)
            push.communicate(timeout=30)
    client = s3_server.client()
    assert f"ev/{crawl_id}/manifest.json" in objects(client, s3_bucket), "all uploaded, then killed"
    # The kill came while deleting: the first files of the manifest are gone, the rest remain.
    manifest = json.loads((crawl_dir / "manifest.json").read_text())
    assert manifest["upload_verification"] == "sha256-checksum"
    for entry in manifest["files"][:2]:
        (crawl_dir / entry["key"].split("/", 1)[1]).unlink()
    left = shutil.copytree(crawl_dir, tmp_path / "left-by-the-kill")

    pushed = run_citewarc_in(tmp_path, ["push", "--store", store],
                             env=s3_server.env() | {"CITEWARC_UPLOAD_RETRY_BUDGET": "20"})
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.strip().splitlines()[-1] == crawl_id
    assert "2 stored by an earlier push" in pushed.stderr
    assert not crawl_dir.exists(), "the spool copy is gone once the store has everything"
    assert stored_manifest(client, s3_bucket, crawl_id)["upload_verification"] == "sha256-checksum"
    verify = run_citewarc_in(tmp_path, ["verify", crawl_id, "--store", store], env=s3_server.env())
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # A file gone from the spool that the store does not hold is lost, said at once (no retries).
    shutil.copytree(left, crawl_dir)
    gone = manifest["files"][0]["key"]
    client.delete_object(Bucket=s3_bucket, Key=f"ev/{gone}")
    pushed = run_citewarc_in(tmp_path, ["push", "--store", store],
                             env=s3_server.env() | {"CITEWARC_UPLOAD_RETRY_BUDGET": "600"})
    assert pushed.returncode == 4, pushed.stderr
    line = pushed.stderr.strip().splitlines()[-1]  # after the log's own line about the upload
    assert line.startswith("citewarc: error: ") and "retrying" not in pushed.stderr
    assert "missing from the spool" in line and "is not in the store" in line
