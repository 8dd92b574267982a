"""Secrets stay secret: no credential in any artifact of a crawl; objects private; no key escapes.

A crawl into SeaweedFS with S3 credentials in the environment and an Authorization header
configured for the fetches; then every byte it produced (WARCs decompressed, manifests, text,
WACZ, logs, spool, stdout, stderr, every object in the bucket) is searched for the credentials.
"""

from __future__ import annotations

import gzip
import io
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from tests.servers.s3_fixtures import S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY
from tests.servers.secret_settings import TEST_TOKEN

pytestmark = pytest.mark.integration
SECRETS = [S3_TEST_SECRET_KEY.encode(), S3_TEST_ACCESS_KEY.encode(), TEST_TOKEN.encode()]


def expanded(name: str, data: bytes) -> list[bytes]:
    """The bytes and what they unpack to (gzip members, zip members)."""
    out = [data]
    if name.endswith(".gz"):
        out.append(gzip.decompress(data))
    if name.endswith(".wacz"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                out.extend(expanded(member, zf.read(member)))
    return out


def test_no_credential_in_any_artifact(run_citewarc, fixture_web: FixtureWeb, s3_server,
                                       s3_bucket, tmp_path: Path):
    env = s3_server.env() | {"CITEWARC_SETTINGS": "tests.servers.secret_settings",
                             "CITEWARC_UPLOAD_RETRY_BUDGET": "3"}
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                          f"s3://{s3_bucket}/cases", "-v", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] in result.stdout

    artifacts: dict[str, bytes] = {"stdout": result.stdout.encode(),
                                   "stderr (verbose log)": result.stderr.encode()}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            artifacts[str(path)] = path.read_bytes()
    client = s3_server.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert any(k.endswith(".warc.gz") for k in keys) and any(k.endswith(".wacz") for k in keys)
    for key in keys:
        artifacts[f"s3://{s3_bucket}/{key}"] = client.get_object(Bucket=s3_bucket, Key=key)["Body"].read()
    assert any("logs" in name for name in artifacts), "the crawl's log file is among the artifacts"

    for name, data in artifacts.items():
        for blob in expanded(name, data):
            for secret in SECRETS:
                assert secret not in blob, f"{secret.decode()!r} leaked into {name}"

    # The header was sent, and the WARC says it was redacted rather than silently dropped.
    warc_key = next(k for k in keys if k.endswith(".warc.gz"))
    warc = client.get_object(Bucket=s3_bucket, Key=warc_key)["Body"].read()
    requests = [r for r in ArchiveIterator(io.BytesIO(warc)) if r.rec_type == "request"]
    assert requests and all(
        r.http_headers.get_header("Authorization") == "[redacted by citewarc]" for r in requests)
    assert any("redacted" in (r.rec_headers.get_header("WARC-Citewarc-Header-Change-1") or "")
               for r in requests)

    # Objects are private: no public grant, and an anonymous GET is refused.
    acl = client.get_object_acl(Bucket=s3_bucket, Key=warc_key)
    assert not [g for g in acl.get("Grants", []) if "AllUsers" in str(g.get("Grantee", {}))]
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{s3_server.endpoint}/{s3_bucket}/{warc_key}", timeout=10)
    assert denied.value.code in (401, 403)


@pytest.mark.parametrize("crawl_id", [
    "../../etc", "..%2f..%2fetc", "20260101T000000Z-../../x", "%2e%2e", "20260101T000000Z-a/b",
    "/etc/passwd", "20260101T000000Z-x\n",
])
@pytest.mark.parametrize("command", ["verify", "replay", "resume"])
def test_crawl_ids_cannot_escape_the_store(run_citewarc, tmp_path: Path, crawl_id, command):
    store = tmp_path / "store"
    store.mkdir()
    args = {"verify": ["verify", crawl_id], "replay": ["replay", crawl_id, "--port", "1"],
            "resume": ["archive", "--resume", crawl_id]}[command]
    result = run_citewarc(*args, "--store", str(store))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("citewarc: error: ") and "Traceback" not in result.stderr
    assert not any(tmp_path.parent.glob("etc*")), "nothing written outside"
    assert list(store.iterdir()) == []
