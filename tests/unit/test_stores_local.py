import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.store import local as stores
from pipelines.store import open_store
from pipelines.store.base import (
    NotFoundError,
    StoredObject,
    StoreError,
    safe_key,
)
from pipelines.store.local import LocalStore
from pipelines.store.s3 import S3Store


def write(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore(tmp_path / "store")
    s.check()
    return s


def test_put_stat_get_read_list(store: LocalStore, tmp_path: Path) -> None:
    src, sha = write(tmp_path / "src.bin", b"hello warc" * 1000)
    stored = store.put_file("c1/warc/a.warc.gz", src, sha)
    assert stored == StoredObject("c1/warc/a.warc.gz", 10_000, sha)
    assert store.stat("c1/warc/a.warc.gz") == stored
    assert store.stat("c1/warc/missing") is None

    dest = tmp_path / "out" / "copy.bin"
    store.get_file("c1/warc/a.warc.gz", dest)
    assert dest.read_bytes() == src.read_bytes()
    assert store.read_bytes("c1/warc/a.warc.gz") == src.read_bytes()

    src2, sha2 = write(tmp_path / "m.json", b"{}")
    store.put_file("c1/manifest.json", src2, sha2)
    store.put_file("c10/manifest.json", src2, sha2)
    assert store.list_keys() == ["c1/manifest.json", "c1/warc/a.warc.gz", "c10/manifest.json"]
    assert store.list_keys("c1/") == ["c1/manifest.json", "c1/warc/a.warc.gz"]
    assert store.list_keys("c1") == store.list_keys()  # a string prefix, as in S3
    assert store.list_keys("c1/warc/a.") == ["c1/warc/a.warc.gz"]
    assert store.list_keys("nope/") == []
    assert store.location("c1/manifest.json") == str(store.root / "c1" / "manifest.json")
    # nothing but the stored files is left behind
    assert sorted(p.name for p in store.root.rglob("*") if p.is_file()) == [
        "a.warc.gz", "manifest.json", "manifest.json"]


def test_missing_keys(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        store.read_bytes("c1/manifest.json")
    with pytest.raises(NotFoundError):
        store.get_file("c1/manifest.json", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_delete(store: LocalStore, tmp_path: Path) -> None:
    """One file goes; a key that is not there is no error (as in S3), so cleanup can be rerun."""
    src, sha = write(tmp_path / "a", b"part")
    for key in ["c1/parts/w1-0.json", "c1/text/k.json", "c10/parts/w1-0.json"]:
        store.put_file(key, src, sha)
    store.delete("c1/parts/w1-0.json")
    assert store.stat("c1/parts/w1-0.json") is None
    assert store.list_keys() == ["c1/text/k.json", "c10/parts/w1-0.json"]
    store.delete("c1/parts/w1-0.json")
    store.delete("c2/never-there")
    with pytest.raises(StoreError, match="cannot delete"):
        store.delete("c1")  # a folder is not a file
    assert store.list_keys("c1/") == ["c1/text/k.json"]
    with pytest.raises(ValueError):
        store.delete("../outside")


def test_delete_does_not_follow_a_link_out_of_the_store(store: LocalStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.json").write_text("{}")
    (store.root / "c1").symlink_to(outside)
    with pytest.raises(StoreError, match="symbolic link"):
        store.delete("c1/keep.json")
    assert (outside / "keep.json").exists()


def test_overwrite_replaces_whole_file(store: LocalStore, tmp_path: Path) -> None:
    src, sha = write(tmp_path / "a", b"first version, longer")
    store.put_file("k", src, sha)
    src, sha = write(tmp_path / "a", b"second")
    assert store.put_file("k", src, sha).bytes == 6
    assert store.read_bytes("k") == b"second"


def test_corrupted_write_is_detected_and_not_stored(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, sha = write(tmp_path / "a", b"good bytes" * 100)
    store.put_file("c/good", src, sha)

    def flipping_copy(fsrc, fdst):
        data = bytearray(fsrc.read())
        data[17] ^= 0x01
        fdst.write(data)

    monkeypatch.setattr(stores, "_copy", flipping_copy)
    with pytest.raises(StoreError, match="verification failed"):
        store.put_file("c/bad", src, sha)
    with pytest.raises(StoreError, match="verification failed"):
        store.put_file("c/good", src, sha)  # an earlier good copy survives a bad overwrite
    assert store.stat("c/bad") is None
    assert store.read_bytes("c/good") == src.read_bytes()
    assert store.list_keys() == ["c/good"]
    assert [p.name for p in (store.root / "c").iterdir()] == ["good"]  # no temp files left


def test_wrong_sha256_from_caller_is_refused(store: LocalStore, tmp_path: Path) -> None:
    src, _ = write(tmp_path / "a", b"data")
    with pytest.raises(StoreError, match="verification failed"):
        store.put_file("k", src, "0" * 64)
    assert store.stat("k") is None


def test_check_creates_root_and_reports_unwritable(tmp_path: Path) -> None:
    root = tmp_path / "new" / "deeper"
    LocalStore(root).check()
    assert root.is_dir() and list(root.iterdir()) == []

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=r"^cannot write to store .*file/sub"):
        LocalStore(blocker / "sub").check()
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(StoreError, match="Permission denied"):
                LocalStore(ro).check()
        finally:
            ro.chmod(0o700)


def test_put_of_missing_source_is_a_store_error(store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No such file"):
        store.put_file("k", tmp_path / "absent", "0" * 64)


@pytest.mark.parametrize(
    "key",
    ["../x", "/abs", "a/../../b", "a\\b", "", "a//b", "a/", "./a", "a/./b", "..", "a/..",
     "a\x00b", "a\nb", "x" * 1025],
)
def test_safe_key_rejects(key: str, store: LocalStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        safe_key(key)
    src, sha = write(tmp_path / "a", b"x")
    with pytest.raises(ValueError):
        store.put_file(key, src, sha)
    with pytest.raises(ValueError):
        store.stat(key)


@pytest.mark.parametrize("key", ["%2e%2e/x", "a/%2E%2E/b", "%2fetc%2fpasswd", "..%5c..%5cx",
                                 "a/...", "a/..b", "c/warc/x.warc.gz", "ünï/cødé"])
def test_safe_key_takes_percent_encoding_literally(
    key: str, store: LocalStore, tmp_path: Path
) -> None:
    assert safe_key(key) == key
    src, sha = write(tmp_path / "a", b"x")
    store.put_file(key, src, sha)
    assert (store.root / key).is_file()
    assert (store.root / key).resolve().is_relative_to(store.root)
    assert store.list_keys() == [key]


def test_list_keys_rejects_escaping_prefix(store: LocalStore) -> None:
    with pytest.raises(ValueError):
        store.list_keys("../")


@given(st.text(alphabet=st.sampled_from(list("ab./\\%\x00 ~")), max_size=20))
def test_safe_key_never_escapes_root(key: str) -> None:
    root = Path("/srv/store")
    try:
        safe_key(key)
    except ValueError:
        return
    resolved = Path(os.path.normpath(root / key))
    assert resolved.is_relative_to(root) and resolved != root


@given(st.text(max_size=40))
def test_safe_key_any_text(key: str) -> None:
    try:
        assert safe_key(key) == key
    except ValueError:
        return
    resolved = Path(os.path.normpath(Path("/srv/store") / key))
    assert resolved.is_relative_to(Path("/srv/store")) and resolved != Path("/srv/store")


def test_open_store_dispatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert open_store("").uri == str(tmp_path / "archive")
    assert open_store("rel/dir").uri == str(tmp_path / "rel" / "dir")
    assert open_store(str(tmp_path / "abs")).uri == str(tmp_path / "abs")
    assert open_store(f"file://{tmp_path}/a%20b").uri == str(tmp_path / "a b")
    assert open_store(f"file://localhost{tmp_path}/x").uri == str(tmp_path / "x")
    assert open_store("odd:name#1").uri == str(tmp_path / "odd:name#1")  # no '://': a path
    assert isinstance(open_store("rel"), LocalStore)

    s3 = open_store("s3://bucket/some/prefix/", {"AWS_ACCESS_KEY_ID": "k",
                                                  "AWS_SECRET_ACCESS_KEY": "s"})
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.prefix, s3.uri) == ("bucket", "some/prefix", "s3://bucket/some/prefix")
    assert s3.location("c/manifest.json") == "s3://bucket/some/prefix/c/manifest.json"
    assert open_store("s3://bucket").uri == "s3://bucket"
    assert open_store("s3://bucket").location("k") == "s3://bucket/k"


@pytest.mark.parametrize("uri", ["http://example.com/x", "ftp://h/", "gs://bucket",
                                 "https://user:hunter2@host/"])
def test_open_store_unsupported_scheme(uri: str) -> None:
    with pytest.raises(StoreError, match=r"^unsupported store .*use a path, file:// or s3://") as e:
        open_store(uri)
    assert "hunter2" not in str(e.value)


@pytest.mark.parametrize("uri", ["s3://", "s3:///prefix", "s3://b/../x", "s3://b/a//c",
                                 "s3://key:hunter2@bucket/p", "file://otherhost/x"])
def test_open_store_bad_uris(uri: str) -> None:
    with pytest.raises(StoreError) as e:
        open_store(uri)
    assert "hunter2" not in str(e.value) and "\n" not in str(e.value)


def test_open_read_streams_the_stored_bytes(store: LocalStore, tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 5)
    src, sha = write(tmp_path / "big.bin", data)
    store.put_file("c1/warc/big.warc.gz", src, sha)
    with store.open_read("c1/warc/big.warc.gz") as stream:
        chunks = iter(lambda: stream.read(1024 * 1024), b"")
        assert hashlib.sha256(b"".join(chunks)).hexdigest() == sha
    with pytest.raises(NotFoundError):
        store.open_read("c1/warc/missing.warc.gz")
    with pytest.raises(ValueError):
        store.open_read("../outside")


def test_local_store_has_no_presigned_urls(store: LocalStore) -> None:
    with pytest.raises(StoreError, match="local store"):
        store.presigned_url("c1/c1.wacz", 60)


# --- symbolic links never lead out of the store ---------------------------------------------


def test_a_link_out_of_the_store_is_not_written_through(store: LocalStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.root / "c1").symlink_to(outside)
    src, sha = write(tmp_path / "src.bin", b"warc bytes")
    with pytest.raises(StoreError, match="symbolic link"):
        store.put_file("c1/warc/a.warc.gz", src, sha)
    assert list(outside.iterdir()) == []


def test_a_link_out_of_the_store_is_not_read_through(store: LocalStore, tmp_path: Path) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = hunter2")
    (store.root / "c1").mkdir()
    (store.root / "c1" / "manifest.json").symlink_to(secret)
    for read in (lambda: store.read_bytes("c1/manifest.json"), lambda: store.stat("c1/manifest.json"),
                 lambda: store.get_file("c1/manifest.json", tmp_path / "copy"),
                 lambda: store.open_read("c1/manifest.json")):
        with pytest.raises(StoreError, match="symbolic link"):
            read()


def test_links_inside_the_store_still_work(store: LocalStore, tmp_path: Path) -> None:
    src, sha = write(tmp_path / "src.bin", b"warc bytes")
    store.put_file("c1/warc/a.warc.gz", src, sha)
    (store.root / "c2").symlink_to(store.root / "c1")
    assert store.read_bytes("c2/warc/a.warc.gz") == b"warc bytes"


def test_a_store_whose_root_is_a_link_works(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    src, sha = write(tmp_path / "src.bin", b"warc bytes")
    LocalStore(tmp_path / "link").put_file("c1/a", src, sha)
    assert (tmp_path / "real" / "c1" / "a").read_bytes() == b"warc bytes"


@pytest.mark.parametrize("uri", ["/tmp/a\nb", "s3://bucket/a\rb", "/tmp/\x1b[31m", "/tmp/a\u2028b"])
def test_control_characters_in_a_store_uri_are_refused(uri: str) -> None:
    from pipelines.store.base import StoreURIError

    with pytest.raises(StoreURIError, match="control character"):
        open_store(uri)
