"""`citewarc share` end to end: the real WACZ of a crawl in SeaweedFS, fetched through the printed
presigned URL by a client without credentials, byte-identical to the manifest's sha256; a tampered
or expired URL is refused by the server; a local store is a usage error.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_SECRET_KEY

pytestmark = pytest.mark.integration


def fetch(url: str) -> bytes:
    """A plain GET: no credentials, no proxy (the presigned URL is all a viewer gets)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        return response.read()


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    return lines[0]


@pytest.fixture(scope="module")
def s3_crawl(fixture_web: FixtureWeb, s3_server, tmp_path_factory: pytest.TempPathFactory):
    bucket = f"share-{uuid.uuid4().hex[:12]}"
    s3_server.start()
    s3_server.client().create_bucket(Bucket=bucket)
    workdir = tmp_path_factory.mktemp("share")
    store = f"s3://{bucket}/shared"
    result = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH), "--store", store],
                             env=s3_server.env())
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    body = s3_server.client().get_object(Bucket=bucket, Key=f"shared/{crawl_id}/manifest.json")["Body"]
    return workdir, store, crawl_id, json.loads(body.read())


def share(s3_crawl, s3_server, *extra: str, crawl_id: str | None = None):
    workdir, store, cid, _ = s3_crawl
    return run_citewarc_in(workdir, ["share", crawl_id or cid, "--store", store, *extra],
                           env=s3_server.env())


def test_presigned_url_serves_the_manifest_wacz(s3_crawl, s3_server):
    _, _, crawl_id, manifest = s3_crawl
    wacz_key = f"{crawl_id}/{crawl_id}.wacz"
    entry = next(f for f in manifest["files"] if f["key"] == wacz_key)
    result = share(s3_crawl, s3_server)
    assert result.returncode == 0, result.stderr
    url, viewer = result.stdout.splitlines()
    assert S3_TEST_SECRET_KEY not in result.stdout + result.stderr
    query = parse_qs(urlsplit(url).query)
    assert int(query["X-Amz-Expires"][0]) == 7 * 24 * 3600, "default: 7 days"
    assert urlsplit(url).path.endswith(f"/shared/{wacz_key}")

    body = fetch(url)
    assert len(body) == entry["bytes"]
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert body[:4] == b"PK\x03\x04", "a WACZ is a zip"

    split = urlsplit(viewer)
    assert (split.scheme, split.netloc, split.path) == ("https", "replayweb.page", "/")
    assert parse_qs(split.query) == {"source": [url]}, "the whole presigned URL, encoded once"


@pytest.mark.parametrize("expires, seconds", [("3600", 3600), ("12h", 43200), ("7d", 604800)])
def test_expires_forms(s3_crawl, s3_server, expires: str, seconds: int):
    result = share(s3_crawl, s3_server, "--expires", expires)
    assert result.returncode == 0, result.stderr
    assert parse_qs(urlsplit(result.stdout.splitlines()[0]).query)["X-Amz-Expires"] == [str(seconds)]


@pytest.mark.parametrize("expires", ["8d", "0", "soon", "-1h"])
def test_bad_expires_is_a_usage_error(s3_crawl, s3_server, expires: str):
    result = share(s3_crawl, s3_server, f"--expires={expires}")
    assert result.returncode == 2
    assert "--expires" in one_error_line(result.stderr)


def test_tampered_url_is_refused(s3_crawl, s3_server):
    url = share(s3_crawl, s3_server).stdout.splitlines()[0]
    other = url.replace(".wacz?", ".wacz.x?") if ".wacz?" in url else url + "x"
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(other)
    assert refused.value.code == 403


def test_expired_url_is_refused(s3_crawl, s3_server):
    result = share(s3_crawl, s3_server, "--expires", "1")
    assert result.returncode == 0, result.stderr
    url = result.stdout.splitlines()[0]
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(url)
    assert refused.value.code == 403


def test_unknown_crawl_is_a_usage_error(s3_crawl, s3_server):
    result = share(s3_crawl, s3_server, crawl_id="20000101T000000Z-nothing-here")
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "20000101T000000Z-nothing-here" in line and s3_crawl[1] in line


def test_local_store_is_a_usage_error(tmp_path: Path):
    crawl_id = "20260101T000000Z-example"
    result = run_citewarc_in(tmp_path, ["share", crawl_id, "--store", "archive"])
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "share needs an s3:// store" in line
    assert str(tmp_path / "archive" / crawl_id / f"{crawl_id}.wacz") in line
    assert result.stdout == ""


# The rule the README tells users to put on their bucket (aws s3api put-bucket-cors).
README_CORS = {"CORSRules": [{
    "AllowedOrigins": ["https://replayweb.page"],
    "AllowedMethods": ["GET", "HEAD"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["Content-Range", "Content-Length", "Content-Encoding", "Accept-Ranges", "ETag"],
    "MaxAgeSeconds": 3600,
}]}


def test_readme_cors_rule_lets_replayweb_page_read_ranges(s3_crawl, s3_server):
    """What the viewer does in a browser: a CORS preflight for Range, then ranged GETs (206)."""
    _, store, crawl_id, manifest = s3_crawl
    bucket = store.removeprefix("s3://").split("/")[0]
    s3_server.client().put_bucket_cors(Bucket=bucket, CORSConfiguration=README_CORS)
    url = share(s3_crawl, s3_server).stdout.splitlines()[0]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    origin = "https://replayweb.page"

    preflight = urllib.request.Request(url, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range"})
    with opener.open(preflight, timeout=30) as response:
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "range" in response.headers["Access-Control-Allow-Headers"].lower()

    size = next(f["bytes"] for f in manifest["files"] if f["key"].endswith(".wacz"))
    ranged = urllib.request.Request(url, headers={"Origin": origin, "Range": "bytes=0-3"})
    with opener.open(ranged, timeout=30) as response:
        assert response.status == 206 and response.read() == b"PK\x03\x04"
        assert response.headers["Content-Range"] == f"bytes 0-3/{size}"
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert "Content-Range" in response.headers["Access-Control-Expose-Headers"]
