"""`citewarc archive` into SeaweedFS: objects verified by sha256, manifest last, clear failures.

Everything runs against a real S3 server (SeaweedFS) and the real CLI in a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_SECRET_KEY

pytestmark = pytest.mark.integration
CRAWL_ID = re.compile(r"^\d{8}T\d{6}Z-[a-z0-9-]+$")


def list_objects(client, bucket: str, prefix: str = "") -> dict[str, dict]:
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            objects[obj["Key"]] = obj
    return objects


def assert_one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("citewarc: error: "), lines[0]
    assert "Traceback" not in stderr
    assert S3_TEST_SECRET_KEY not in stderr
    return lines[0]


def test_archive_to_s3_stores_every_file_verified(run_citewarc, fixture_web: FixtureWeb,
                                                  s3_server, s3_bucket, tmp_path: Path):
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                          f"s3://{s3_bucket}/evidence/stories", env=s3_server.env())
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    assert CRAWL_ID.match(crawl_id)

    client = s3_server.client()
    prefix = f"evidence/stories/{crawl_id}/"
    objects = list_objects(client, s3_bucket, prefix)
    manifest = json.loads(
        client.get_object(Bucket=s3_bucket, Key=prefix + "manifest.json")["Body"].read()
    )
    assert manifest["crawl_id"] == crawl_id
    listed = {f"evidence/stories/{f['key']}": f for f in manifest["files"]}
    assert set(objects) == set(listed) | {prefix + "manifest.json"}, "exactly the manifest's files"
    assert any(k.endswith(".warc.gz") for k in listed)
    assert any("/text/" in k for k in listed)
    for key, entry in listed.items():
        body = client.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
        assert len(body) == entry["bytes"] == objects[key]["Size"], key
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], key
        head = client.head_object(Bucket=s3_bucket, Key=key)
        assert head["Metadata"].get("sha256") == entry["sha256"], key

    # The manifest is the last object written: its presence means the crawl is complete.
    manifest_time = objects[prefix + "manifest.json"]["LastModified"]
    assert all(o["LastModified"] <= manifest_time for o in objects.values())
    # Verified uploads leave nothing behind in the spool.
    spool = tmp_path / "spool"
    assert not [p for p in spool.rglob("*") if p.is_file()], "spool should be empty after upload"


def test_missing_bucket_exits_4_keeps_files_and_push_uploads_them(
    run_citewarc, fixture_web: FixtureWeb, s3_server, tmp_path: Path
):
    bucket = "citewarc-not-yet-created"
    store = f"s3://{bucket}/later"
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", store,
                          "--no-requisites", "--depth", "0", env=s3_server.env())
    assert result.returncode == 4, result.stderr
    line = assert_one_error_line(result.stderr)
    assert bucket in line and "does not exist" in line
    assert "citewarc push" in line, "the message says how to upload the files later"
    crawl_id = result.stdout.strip().splitlines()[-1]
    waiting = [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in waiting)
    assert any(p.name.endswith(".warc.gz") for p in waiting)
    assert str(waiting[0].parent).split(crawl_id)[0] in line, "the message names the spool folder"

    s3_server.client().create_bucket(Bucket=bucket)
    pushed = run_citewarc("push", "--store", store, env=s3_server.env())
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.strip().splitlines()[-1] == crawl_id
    objects = list_objects(s3_server.client(), bucket)
    assert f"later/{crawl_id}/manifest.json" in objects
    manifest = json.loads(
        s3_server.client().get_object(Bucket=bucket, Key=f"later/{crawl_id}/manifest.json")["Body"].read()
    )
    for entry in manifest["files"]:
        body = s3_server.client().get_object(Bucket=bucket, Key=f"later/{entry['key']}")["Body"].read()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert not [p for p in (tmp_path / "spool").rglob("*") if p.is_file()]


def test_bad_credentials_exit_4_without_leaking_them(run_citewarc, fixture_web: FixtureWeb,
                                                     s3_server, s3_bucket):
    env = s3_server.env() | {"AWS_SECRET_ACCESS_KEY": "wrong-" + S3_TEST_SECRET_KEY}
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", f"s3://{s3_bucket}",
                          "--no-requisites", "--depth", "0", env=env)
    assert result.returncode == 4, result.stderr
    line = assert_one_error_line(result.stderr)
    assert "credentials" in line
    assert "wrong-" not in line


def test_unreachable_endpoint_exits_4(run_citewarc, fixture_web: FixtureWeb, s3_server, s3_bucket):
    from tests.servers.seaweed import free_ports

    env = s3_server.env() | {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_ports(1)[0]}"}
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", f"s3://{s3_bucket}",
                          "--no-requisites", "--depth", "0", env=env)
    assert result.returncode == 4, result.stderr
    line = assert_one_error_line(result.stderr)
    assert "cannot reach" in line
