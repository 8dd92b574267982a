"""Upload bookkeeping without a server: proofs, refusals, spool re-hash, a killed push's leftovers."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError

from pipelines.store.base import StoreError
from pipelines.store.local import LocalStore
from pipelines.store.s3 import _checksum_proves, _refuses_checksums
from pipelines.store.upload import (
    already_stored,
    changed_in_spool,
    file_entries,
    record_verification,
    spooled_files,
    upload_crawl,
)

SHA = hashlib.sha256(b"evidence").hexdigest()
B64 = base64.b64encode(bytes.fromhex(SHA)).decode()


def client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")


def test_a_single_part_checksum_proves_only_our_own_sha256():
    assert _checksum_proves(B64, SHA, 8, multipart_threshold=1024)
    other = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert not _checksum_proves(other, SHA, 8, multipart_threshold=1024)
    assert not _checksum_proves(None, SHA, 8, multipart_threshold=1024), "ignored by the server"


def test_a_multipart_checksum_is_one_of_the_parts():
    assert _checksum_proves("D5I1xtA+Xj37StN7MSnxc4QXsv9AgmjllCbwc5+tUEU=-3", SHA, 2048, 1024)
    assert not _checksum_proves(B64, SHA, 2048, 1024), "a whole-object value is not a part list"


@pytest.mark.parametrize(("code", "status", "refused"), [
    ("InvalidRequest", 400, True),
    ("NotImplemented", 501, True),
    ("SomethingElse", 501, True),
    ("BadDigest", 400, False),  # the server did check, and the bytes were wrong
    ("SlowDown", 503, False),
    ("AccessDenied", 403, False),
])
def test_only_a_refusal_of_the_header_switches_to_read_back(code, status, refused):
    assert _refuses_checksums(client_error(code, status)) is refused


def test_a_refusal_wrapped_by_upload_file_is_recognised():
    try:
        try:
            raise client_error("InvalidRequest", 400)
        except ClientError as exc:
            raise S3UploadFailedError("Failed to upload") from exc
    except S3UploadFailedError as wrapped:
        assert _refuses_checksums(wrapped)
    assert not _refuses_checksums(OSError("disk"))


def crawl_folder(tmp_path: Path) -> tuple[Path, list[dict]]:
    crawl_dir = tmp_path / "spool" / "c1"
    (crawl_dir / "warc").mkdir(parents=True)
    (crawl_dir / "warc" / "a.warc.gz").write_bytes(b"first")
    (crawl_dir / "warc" / "b.warc.gz").write_bytes(b"second")
    entries = file_entries(spooled_files(crawl_dir, "c1"))
    (crawl_dir / "manifest.json").write_text(json.dumps({"crawl_id": "c1", "files": entries}))
    return crawl_dir, entries


def test_a_changed_spool_file_is_named_and_a_missing_one_left_to_the_upload(tmp_path):
    crawl_dir, entries = crawl_folder(tmp_path)
    assert changed_in_spool(crawl_dir, entries) is None
    (crawl_dir / "warc" / "a.warc.gz").unlink()
    assert changed_in_spool(crawl_dir, entries) is None
    (crawl_dir / "warc" / "b.warc.gz").write_bytes(b"secon")
    why = changed_in_spool(crawl_dir, entries)
    assert why and "b.warc.gz changed after the crawl" in why and "not uploaded" in why


def test_a_push_killed_while_deleting_finishes_and_a_lost_file_is_said(tmp_path):
    crawl_dir, entries = crawl_folder(tmp_path)
    store = LocalStore(tmp_path / "store")
    for entry in entries:
        store.put_file(entry["key"], crawl_dir / entry["key"].split("/", 1)[1], entry["sha256"])
    (crawl_dir / "warc" / "a.warc.gz").unlink()  # the kill came after the first deletion
    report = upload_crawl(store, crawl_dir, "c1", entries, budget=0)
    assert report.ok, report.failed
    assert report.already_stored == ["c1/warc/a.warc.gz"]
    assert not crawl_dir.exists()
    assert json.loads(store.read_bytes("c1/manifest.json"))["upload_verification"] == "read-back"

    with pytest.raises(StoreError) as lost:
        already_stored(store, "c1/warc/gone.warc.gz", crawl_dir / "gone", SHA, 8)
    assert not lost.value.transient and "is not in the store" in str(lost.value)
    with pytest.raises(StoreError, match="is stored with 5 bytes"):
        already_stored(store, "c1/warc/a.warc.gz", crawl_dir / "a", SHA, 8)


def test_the_manifest_names_every_proof_used(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"crawl_id": "c1", "upload_verification": "read-back"}))
    record_verification(manifest, {"sha256-checksum"}, earlier=False)
    assert json.loads(manifest.read_text())["upload_verification"] == "sha256-checksum"
    manifest.write_text(json.dumps({"crawl_id": "c1", "upload_verification": "read-back"}))
    record_verification(manifest, {"sha256-checksum"}, earlier=True)
    assert json.loads(manifest.read_text())["upload_verification"] == "read-back+sha256-checksum"
    record_verification(manifest, set(), earlier=True)
    assert json.loads(manifest.read_text())["upload_verification"] == "read-back+sha256-checksum"
