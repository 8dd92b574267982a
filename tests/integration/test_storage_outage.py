"""Storage outage, nothing lost: files wait in the spool, uploads retry, `push` finishes the job.

SeaweedFS is killed while a crawl is in the middle of fetching (a citation is held open by the
fixture web), so the outage starts before any upload and ends after the crawl.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import citewarc_command, citewarc_env
from tests.servers.fixture_web import ARTICLE_PATH, REPORT_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_SECRET_KEY

pytestmark = pytest.mark.integration


def start_crawl(workdir: Path, store: str, env: dict[str, str], url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*citewarc_command(), "archive", url, "--store", store],
        cwd=workdir, env=citewarc_env(workdir, env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def bucket_objects(client, bucket: str) -> dict[str, int]:
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = obj["Size"]
    return out


def crawl_during_outage(fixture_web: FixtureWeb, s3_server, bucket: str, workdir: Path,
                        extra_env: dict[str, str], restart_after: float | None):
    """Run a crawl; kill SeaweedFS while it fetches; optionally bring it back after a delay."""
    hold = fixture_web.hold(REPORT_PATH)
    crawl = start_crawl(workdir, f"s3://{bucket}/evidence", s3_server.env() | extra_env,
                        fixture_web.url(ARTICLE_PATH))
    try:
        assert hold.reached.wait(60), "the crawl never reached the held citation"
        s3_server.kill()
    finally:
        hold.release()
    restarter = None
    if restart_after is not None:
        restarter = threading.Timer(restart_after, s3_server.start)
        restarter.start()
    stdout, stderr = crawl.communicate(timeout=180)
    if restarter is not None:
        restarter.join()
    return crawl.returncode, stdout, stderr


def test_outage_longer_than_the_budget_then_push(fixture_web, s3_server, s3_bucket, tmp_path):
    code, stdout, stderr = crawl_during_outage(
        fixture_web, s3_server, s3_bucket, tmp_path, {"CITEWARC_UPLOAD_RETRY_BUDGET": "3"}, None)
    assert code == 4, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    assert "cannot reach S3 endpoint" in lines[0] and "citewarc push" in lines[0]
    assert S3_TEST_SECRET_KEY not in stderr
    crawl_id = stdout.strip().splitlines()[-1]
    spool = tmp_path / "spool"
    waiting = {p.name for p in spool.rglob("*") if p.is_file()}
    assert "manifest.json" in waiting and any(n.endswith(".warc.gz") for n in waiting)
    assert not any(n.endswith(".open") for n in waiting), "WARCs are closed before uploading"

    s3_server.start()
    client = s3_server.client()
    # An upload the outage cut short leaves parts behind; push must clean them up.
    orphan = client.create_multipart_upload(Bucket=s3_bucket,
                                            Key=f"evidence/{crawl_id}/warc/interrupted.warc.gz")
    client.upload_part(Bucket=s3_bucket, Key=orphan["Key"], UploadId=orphan["UploadId"],
                       PartNumber=1, Body=b"x" * 1024)
    pushed = subprocess.run([*citewarc_command(), "push", "--store", f"s3://{s3_bucket}/evidence"],
                            cwd=tmp_path, env=citewarc_env(tmp_path, s3_server.env()),
                            capture_output=True, text=True, timeout=120)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.strip().splitlines()[-1] == crawl_id
    assert not [p for p in spool.rglob("*") if p.is_file()], "spool emptied after verified upload"
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []

    manifest = json.loads(client.get_object(Bucket=s3_bucket,
                                            Key=f"evidence/{crawl_id}/manifest.json")["Body"].read())
    expected = {f"evidence/{f['key']}": f["bytes"] for f in manifest["files"]}
    expected[f"evidence/{crawl_id}/manifest.json"] = bucket_objects(client, s3_bucket)[
        f"evidence/{crawl_id}/manifest.json"]
    assert bucket_objects(client, s3_bucket) == expected, "every file arrived, nothing twice"
    verify = subprocess.run([*citewarc_command(), "verify", crawl_id, "--store",
                             f"s3://{s3_bucket}/evidence"], cwd=tmp_path,
                            env=citewarc_env(tmp_path, s3_server.env()), capture_output=True,
                            text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_outage_shorter_than_the_budget_is_ridden_out(fixture_web, s3_server, s3_bucket, tmp_path):
    started = time.monotonic()
    code, stdout, stderr = crawl_during_outage(
        fixture_web, s3_server, s3_bucket, tmp_path, {"CITEWARC_UPLOAD_RETRY_BUDGET": "90"}, 4.0)
    assert code == 0, stderr
    assert time.monotonic() - started < 90
    crawl_id = stdout.strip().splitlines()[-1]
    keys = bucket_objects(s3_server.client(), s3_bucket)
    assert f"evidence/{crawl_id}/manifest.json" in keys
    assert not [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]
