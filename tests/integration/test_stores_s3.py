"""S3Store against a real SeaweedFS (``weed mini``), started once per session."""

import hashlib
import os
import time
from pathlib import Path

import pytest

from pipelines.store import open_store
from pipelines.store.base import NotFoundError, StoredObject, StoreError
from pipelines.store.s3 import S3Store
from tests.servers.seaweed import SeaweedServer, free_ports

pytestmark = pytest.mark.integration

MiB = 1024 * 1024


def settings_for(server: SeaweedServer, **extra) -> dict:
    return {
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_REGION_NAME": "us-east-1",
        **extra,
    }


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def assert_one_line_without_secrets(err: StoreError, *secrets: str) -> str:
    message = str(err)
    assert message and "\n" not in message
    for secret in secrets:
        assert secret not in message
    return message


def test_put_small_and_multipart(
    s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path
) -> None:
    store = open_store(f"s3://{s3_bucket}/crawls",
                       settings_for(s3_server, CITEWARC_S3_MULTIPART_THRESHOLD=5 * MiB,
                                    CITEWARC_S3_MULTIPART_CHUNKSIZE=5 * MiB))
    store.check()
    small, small_sha = write(tmp_path / "small", b"{}\n")
    big, big_sha = write(tmp_path / "big", os.urandom(12 * MiB))

    assert store.put_file("c1/manifest.json", small, small_sha) == StoredObject(
        "c1/manifest.json", 3, small_sha)
    assert store.put_file("c1/warc/big.warc.gz", big, big_sha) == StoredObject(
        "c1/warc/big.warc.gz", 12 * MiB, big_sha)

    client = s3_server.client()
    listed = client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert sorted(o["Key"] for o in listed) == ["crawls/c1/manifest.json",
                                                "crawls/c1/warc/big.warc.gz"]
    for key, path, sha in [("crawls/c1/manifest.json", small, small_sha),
                           ("crawls/c1/warc/big.warc.gz", big, big_sha)]:
        obj = client.get_object(Bucket=s3_bucket, Key=key)
        body = obj["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha == obj["Metadata"]["sha256"]
        assert len(body) == path.stat().st_size
    head = client.head_object(Bucket=s3_bucket, Key="crawls/c1/warc/big.warc.gz")
    assert "-" in head["ETag"]  # really multipart: the ETag is not a content hash
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []


def test_stat_get_list_read(s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path) -> None:
    store = open_store(f"s3://{s3_bucket}/p", settings_for(s3_server))
    src, sha = write(tmp_path / "a", b"payload" * 99)
    for key in ["c1/warc/a.warc.gz", "c1/manifest.json", "c10/manifest.json"]:
        store.put_file(key, src, sha)
    # a neighbour prefix that must not show through
    s3_server.client().put_object(Bucket=s3_bucket, Key="p2/other", Body=b"x")

    assert store.stat("c1/manifest.json") == StoredObject("c1/manifest.json", 693, sha)
    assert store.stat("c1/absent") is None
    assert store.list_keys() == ["c1/manifest.json", "c1/warc/a.warc.gz", "c10/manifest.json"]
    assert store.list_keys("c1/") == ["c1/manifest.json", "c1/warc/a.warc.gz"]
    assert store.list_keys("zzz/") == []
    assert store.read_bytes("c1/manifest.json") == src.read_bytes()
    dest = tmp_path / "dl" / "a.warc.gz"
    store.get_file("c1/warc/a.warc.gz", dest)
    assert dest.read_bytes() == src.read_bytes()
    assert store.location("c1/manifest.json") == f"s3://{s3_bucket}/p/c1/manifest.json"

    with pytest.raises(NotFoundError):
        store.read_bytes("c1/absent")
    with pytest.raises(NotFoundError):
        store.get_file("c1/absent", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()

    # an object written by someone else has no sha256 of ours
    s3_server.client().put_object(Bucket=s3_bucket, Key="p/foreign", Body=b"abc")
    assert store.stat("foreign") == StoredObject("foreign", 3, None)


def test_delete(s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path) -> None:
    """One key goes, under the store's prefix only; a key that is not there is no error."""
    store = open_store(f"s3://{s3_bucket}/p", settings_for(s3_server))
    src, sha = write(tmp_path / "a", b"part")
    for key in ["c1/parts/w1-0.json", "c1/text/k.json", "c10/parts/w1-0.json"]:
        store.put_file(key, src, sha)
    s3_server.client().put_object(Bucket=s3_bucket, Key="c1/parts/w1-0.json", Body=b"x")  # no prefix

    store.delete("c1/parts/w1-0.json")
    assert store.stat("c1/parts/w1-0.json") is None
    assert store.list_keys() == ["c1/text/k.json", "c10/parts/w1-0.json"]
    store.delete("c1/parts/w1-0.json")  # again: a finalizer killed mid-cleanup runs it again
    store.delete("c1/never-there")
    assert s3_server.client().get_object(Bucket=s3_bucket, Key="c1/parts/w1-0.json")["Body"].read() == b"x"
    with pytest.raises(ValueError):
        store.delete("../p2/x")


def test_credentials_from_environment(
    s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    store = open_store(f"s3://{s3_bucket}")
    store.check()
    src, sha = write(tmp_path / "a", b"env")
    store.put_file("k", src, sha)
    assert store.list_keys() == ["k"]


def test_verification_catches_dropped_metadata(
    s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gateway that drops user metadata must not pass for a verified upload."""
    store = S3Store(s3_bucket, "", settings_for(s3_server))
    real_upload = store.client.upload_file
    monkeypatch.setattr(store.client, "upload_file",
                        lambda **kw: real_upload(**{**kw, "ExtraArgs": {}}))
    src, sha = write(tmp_path / "a", b"data")
    with pytest.raises(StoreError, match=r"^verification failed for s3://.*/k: stored 4 bytes"):
        store.put_file("k", src, sha)


def test_abort_orphaned_uploads(s3_server: SeaweedServer, s3_bucket: str) -> None:
    client = s3_server.client()
    mine = client.create_multipart_upload(Bucket=s3_bucket, Key="p/c1/warc/x.warc.gz")
    other = client.create_multipart_upload(Bucket=s3_bucket, Key="q/c1/warc/y.warc.gz")
    store = open_store(f"s3://{s3_bucket}/p", settings_for(s3_server))
    assert store.abort_orphaned_uploads(min_age=3600) == 0  # too young: maybe still running
    assert store.abort_orphaned_uploads() == 1
    left = client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])
    assert [u["UploadId"] for u in left] == [other["UploadId"]]
    assert mine["UploadId"] not in [u["UploadId"] for u in left]


def _every_operation(store: S3Store, tmp_path: Path) -> list:
    src, sha = write(tmp_path / "src", b"x")
    return [
        store.check,
        lambda: store.put_file("c/k", src, sha),
        lambda: store.list_keys(),
        lambda: store.read_bytes("c/k"),
        lambda: store.get_file("c/k", tmp_path / "dest"),
        lambda: store.delete("c/k"),
    ]


def test_missing_bucket(s3_server: SeaweedServer, tmp_path: Path) -> None:
    store = open_store("s3://no-such-bucket-here/p", settings_for(s3_server))
    for op in _every_operation(store, tmp_path)[:4]:
        with pytest.raises(StoreError) as err:
            op()
        message = assert_one_line_without_secrets(err.value, s3_server.secret_key)
        assert message == (f"S3 bucket 'no-such-bucket-here' does not exist at "
                           f"{s3_server.endpoint}")
    assert "no-such-bucket-here" not in [b["Name"] for b in
                                         s3_server.client().list_buckets()["Buckets"]]


@pytest.mark.parametrize("which", ["secret", "key"])
def test_rejected_credentials(
    s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path, which: str
) -> None:
    wrong = "wrong-secret-value-1234567890"
    settings = settings_for(s3_server)
    settings["AWS_SECRET_ACCESS_KEY" if which == "secret" else "AWS_ACCESS_KEY_ID"] = wrong
    store = open_store(f"s3://{s3_bucket}", settings)
    for op in _every_operation(store, tmp_path):
        with pytest.raises(StoreError) as err:
            op()
        message = assert_one_line_without_secrets(err.value, wrong, s3_server.secret_key)
        assert message == (f"S3 credentials were rejected by {s3_server.endpoint} "
                           "(check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")


def test_unreachable_endpoint(s3_server: SeaweedServer, tmp_path: Path) -> None:
    (port,) = free_ports(1)  # nothing listens there
    endpoint = f"http://127.0.0.1:{port}"
    store = open_store("s3://bucket/p", settings_for(s3_server, AWS_ENDPOINT_URL=endpoint,
                                                      CITEWARC_S3_MAX_ATTEMPTS=2))
    for op in _every_operation(store, tmp_path):
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            op()
        assert time.monotonic() - started < 10
        message = assert_one_line_without_secrets(err.value, s3_server.secret_key)
        assert message == f"cannot reach S3 endpoint {endpoint}"


def test_no_credentials(
    s3_server: SeaweedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = open_store("s3://bucket", {"AWS_ENDPOINT_URL": s3_server.endpoint})
    for op in _every_operation(store, tmp_path):
        with pytest.raises(StoreError) as err:
            op()
        assert str(err.value) == ("no S3 credentials found (set AWS_ACCESS_KEY_ID and "
                                  "AWS_SECRET_ACCESS_KEY or a profile)")


def test_outage_and_recovery(s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path) -> None:
    """The server dies mid-crawl: a clear error, then the same store works once it is back."""
    store = open_store(f"s3://{s3_bucket}", settings_for(s3_server, CITEWARC_S3_MAX_ATTEMPTS=1))
    src, sha = write(tmp_path / "a", b"before")
    store.put_file("before", src, sha)
    s3_server.kill()
    try:
        with pytest.raises(StoreError, match=r"^cannot reach S3 endpoint http://127\.0\.0\.1:"):
            store.put_file("during", src, sha)
    finally:
        s3_server.start()
    store.put_file("after", src, sha)
    assert store.list_keys() == ["after", "before"]


def test_open_read_streams_and_presigned_url_serves_without_credentials(
    s3_server: SeaweedServer, s3_bucket: str, tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request
    from urllib.parse import parse_qs, urlsplit

    store = open_store(f"s3://{s3_bucket}/p", settings_for(s3_server))
    data = os.urandom(3 * MiB + 7)
    src, sha = write(tmp_path / "obj", data)
    store.put_file("c/warc/a.warc.gz", src, sha)
    with store.open_read("c/warc/a.warc.gz") as stream:
        assert hashlib.sha256(b"".join(iter(lambda: stream.read(MiB), b""))).hexdigest() == sha
    with pytest.raises(NotFoundError):
        store.open_read("c/warc/missing.warc.gz")

    url = store.presigned_url("c/warc/a.warc.gz", 300)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert s3_server.secret_key not in url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        assert hashlib.sha256(response.read()).hexdigest() == sha
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(url.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), timeout=30)
    assert refused.value.code == 403
    for bad in (0, 7 * 24 * 3600 + 1):
        with pytest.raises(StoreError, match="7 days"):
            store.presigned_url("c/warc/a.warc.gz", bad)
