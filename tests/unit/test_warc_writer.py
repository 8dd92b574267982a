"""pipelines.warc.writer.RollingWarcWriter: names, warcinfo, rotation, crash safety, threads."""

import errno
import gzip
import os
import re
import shutil
import subprocess
import sys
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipelines.warc import writer as warc_writer
from pipelines.warc.records import Exchange, build_exchange_records
from pipelines.warc.writer import (
    OPEN_SUFFIX,
    RollingWarcWriter,
    WarcWriteError,
    host_label,
    warc_file_name,
)

WARCIO = Path(sys.executable).with_name("warcio")
NAME = re.compile(r"^citewarc-(\d{17})-(\d{5})-([a-z0-9-]+)\.warc\.gz$")
INFO = {"software": "citewarc 0.1.0", "format": "WARC File Format 1.1"}


def pair(n: int, body_size: int = 200) -> list[object]:
    """Response + request records of one exchange, its URL numbered ``n``."""
    ex = Exchange(
        url=f"https://news.test/page/{n}",
        method="GET",
        request_headers=[("Accept", "*/*")],
        fetched_at=datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC) + timedelta(seconds=n),
        status=200,
        response_headers=[("Content-Type", "text/plain")],
        body=(f"page {n} ".encode() * body_size)[:body_size],
    )
    return build_exchange_records(ex)[0]


def read(path: Path) -> list:
    """(type, target uri, record id, concurrent-to) of every record in a file."""
    with path.open("rb") as f:
        return [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Record-ID"),
                r.rec_headers.get_header("WARC-Concurrent-To"),
            )
            for r in ArchiveIterator(f)
        ]


def assert_whole(path: Path) -> None:
    check = subprocess.run([str(WARCIO), "check", str(path)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    subprocess.run(["gzip", "-t", str(path)], check=True, timeout=60)


def writer(tmp_path: Path, **kwargs) -> RollingWarcWriter:
    return RollingWarcWriter(tmp_path / "warc", "citewarc", INFO, **kwargs)


# --- names ----------------------------------------------------------------------------------------


def test_warc_file_name_pattern() -> None:
    when = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
    assert warc_file_name("citewarc", when, 7, "box-1") == "citewarc-20260301123045123-00007-box-1.warc.gz"
    local = when.astimezone(timezone(timedelta(hours=5)))  # named in UTC whatever the zone
    assert warc_file_name("citewarc", local, 7, "box-1") == "citewarc-20260301123045123-00007-box-1.warc.gz"


def test_host_label_is_path_safe() -> None:
    assert re.fullmatch(r"[a-z0-9-]+", host_label())


# --- one file -------------------------------------------------------------------------------------


def test_open_suffix_while_writing_final_name_after_close(tmp_path: Path) -> None:
    w = writer(tmp_path)
    placed = w.write(pair(1))
    files = list((tmp_path / "warc").iterdir())
    assert len(files) == 1 and files[0].name.endswith(".warc.gz" + OPEN_SUFFIX)
    final_name = files[0].name.removesuffix(OPEN_SUFFIX)
    assert NAME.match(final_name)
    assert {p.file_name for p in placed} == {final_name}

    closed = w.close()
    assert closed == [tmp_path / "warc" / final_name]
    assert [f.name for f in (tmp_path / "warc").iterdir()] == [final_name]
    assert w.close() == closed  # closing twice is harmless


def test_warcinfo_first_then_records_at_reported_offsets(tmp_path: Path) -> None:
    w = writer(tmp_path)
    placed = w.write(pair(1)) + w.write(pair(2))
    (path,) = w.close()
    records = read(path)
    assert records[0][0] == "warcinfo"
    assert records[0][1] is None
    assert [r[0] for r in records[1:]] == ["response", "request", "response", "request"]
    data = path.read_bytes()
    offsets = [p.offset for p in placed]
    assert offsets == sorted(offsets) and offsets[0] > 0
    assert placed[-1].offset + placed[-1].length == len(data)
    for p in placed:  # each placement is exactly one gzip member holding one record
        member = gzip.decompress(data[p.offset : p.offset + p.length])
        assert member.startswith(b"WARC/1.1\r\n")
        assert member.count(b"WARC/1.1\r\nWARC-Record-ID") == 1
    with path.open("rb") as f:
        info = next(iter(ArchiveIterator(f)))
        body = info.content_stream().read()
    assert b"software: citewarc 0.1.0" in body
    assert info.rec_headers.get_header("WARC-Filename") == path.name
    assert_whole(path)


def test_no_file_without_writes(tmp_path: Path) -> None:
    assert writer(tmp_path).close() == []


# --- rotation -------------------------------------------------------------------------------------


def test_rotation_never_splits_a_group_and_serials_increase(tmp_path: Path) -> None:
    w = writer(tmp_path, max_size=2500, first_serial=3)
    placements = [w.write(pair(n, body_size=400)) for n in range(12)]
    files = w.close()
    assert len(files) >= 3
    serials = [int(NAME.match(f.name).group(2)) for f in files]
    assert serials == list(range(3, 3 + len(files)))
    stamps = [NAME.match(f.name).group(1) for f in files]
    assert stamps == sorted(stamps)

    for group in placements:
        assert len({p.file_name for p in group}) == 1  # a pair lands in one file

    seen_urls = []
    for f in files:
        assert_whole(f)
        records = read(f)
        assert records[0][0] == "warcinfo"
        body = records[1:]
        assert body, f"{f.name} holds only a warcinfo"
        assert len(body) % 2 == 0
        for response, request in zip(body[::2], body[1::2], strict=True):
            assert (response[0], request[0]) == ("response", "request")
            assert request[3] == response[2] and response[1] == request[1]
        seen_urls += [r[1] for r in body[::2]]
        # rotation happens before a group would cross max_size, unless the group is alone
        if len(body) > 2:
            assert f.stat().st_size <= 2500
    assert seen_urls == [f"https://news.test/page/{n}" for n in range(12)]


def test_a_group_bigger_than_max_size_gets_its_own_file(tmp_path: Path) -> None:
    w = writer(tmp_path, max_size=1000)
    w.write(pair(1, body_size=50))
    w.write(pair(2, body_size=20000))
    w.write(pair(3, body_size=50))
    files = w.close()
    contents = [[r[1] for r in read(f) if r[0] == "response"] for f in files]
    assert contents == [
        ["https://news.test/page/1"],
        ["https://news.test/page/2"],
        ["https://news.test/page/3"],
    ]
    for f in files:
        assert_whole(f)


# --- crash safety ---------------------------------------------------------------------------------


def test_truncated_open_file_still_yields_its_complete_records(tmp_path: Path) -> None:
    w = writer(tmp_path)
    groups = [pair(n, body_size=3000) for n in range(4)]
    ids = [r.rec_headers.get_header("WARC-Record-ID") for g in groups for r in g]
    placed = [p for g in groups for p in w.write(g)]
    (open_file,) = (tmp_path / "warc").iterdir()
    crashed = tmp_path / "crashed.warc.gz"
    shutil.copyfile(open_file, crashed)  # what a killed process leaves behind
    w.close()

    cut = placed[-1].offset + placed[-1].length // 2  # inside the last record's gzip member
    with crashed.open("r+b") as f:
        f.truncate(cut)

    read_ids = []
    with crashed.open("rb") as f:
        try:
            for record in ArchiveIterator(f):
                read_ids.append(record.rec_headers.get_header("WARC-Record-ID"))
                record.content_stream().read()
        except Exception:  # noqa: BLE001 - the broken tail may raise; what came before counts
            pass
    # warcinfo, then every record before the cut; warcio may also report the cut record's header
    assert read_ids[1:len(ids)] == ids[:-1]
    assert len(read_ids) in (len(ids), len(ids) + 1)
    assert subprocess.run(["gzip", "-t", str(crashed)], capture_output=True).returncode != 0


# --- threads --------------------------------------------------------------------------------------


def test_threads_write_intact_non_interleaved_pairs(tmp_path: Path) -> None:
    w = writer(tmp_path, max_size=20_000)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                w.write(pair(thread * 100 + i, body_size=300))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    files = w.close()
    assert len(files) > 1
    urls = []
    for f in files:
        assert_whole(f)
        records = read(f)
        assert records[0][0] == "warcinfo"
        body = records[1:]
        for response, request in zip(body[::2], body[1::2], strict=True):
            assert (response[0], request[0]) == ("response", "request")
            assert request[3] == response[2]
            assert request[1] == response[1]
        urls += [r[1] for r in body[::2]]
    expected = {f"https://news.test/page/{t * 100 + i}" for t in range(8) for i in range(10)}
    assert sorted(urls) == sorted(expected)


def test_other_gzip_levels_write_valid_files(tmp_path: Path) -> None:
    w = writer(tmp_path, gzip_level=1)
    w.write(pair(1))
    (path,) = w.close()
    assert_whole(path)
    assert [r[0] for r in read(path)] == ["warcinfo", "response", "request"]


# --- failed writes (disk full, I/O error) ---------------------------------------------------------


class FullDisk:
    """A real file that takes ``room`` bytes, then fails like a full disk: a short write for what
    still fits, then OSError(ENOSPC). Injected where the writer opens its files."""

    def __init__(self, path, mode: str, room: int, error: int = errno.ENOSPC, **kwargs) -> None:
        self._file = open(path, mode, **kwargs)  # noqa: SIM115 - closed through close()
        self.room = room
        self.error = error

    def write(self, data) -> int:
        if self.room <= 0:
            raise OSError(self.error, os.strerror(self.error))
        n = self._file.write(bytes(data)[: self.room])
        self.room -= n
        return n

    def __getattr__(self, name: str):
        return getattr(self._file, name)


def fill_after(monkeypatch, room_per_file: list[int], error: int = errno.ENOSPC) -> None:
    """The n-th file the writer opens fails after ``room_per_file[n]`` bytes."""
    rooms = iter(room_per_file)

    def fake_open(path, mode="r", **kwargs):
        return FullDisk(path, mode, next(rooms), error, **kwargs)

    monkeypatch.setattr(warc_writer, "open", fake_open, raising=False)


def assert_records_at(path: Path, placed: list) -> None:
    """Every reported placement is one whole gzip member holding one record, in this file."""
    data = path.read_bytes()
    for p in placed:
        assert p.file_name == path.name
        member = gzip.decompress(data[p.offset : p.offset + p.length])
        assert member.startswith(b"WARC/1.1\r\n") and member.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EIO])
@pytest.mark.parametrize("cut", [30, 300, 600])  # a group takes ~700 bytes
def test_a_write_failing_mid_record_is_cut_back_to_the_last_whole_group(
    tmp_path: Path, monkeypatch, error: int, cut: int
) -> None:
    probe = writer(tmp_path / "probe")
    sizes = [sum(p.length for p in probe.write(pair(n, body_size=3000))) for n in range(3)]
    probe.close()
    (probe_file,) = (tmp_path / "probe" / "warc").iterdir()
    info_size = probe_file.stat().st_size - sum(sizes)
    fill_after(monkeypatch, [info_size + sizes[0] + sizes[1] + cut], error)

    w = writer(tmp_path)
    placed = w.write(pair(0, body_size=3000)) + w.write(pair(1, body_size=3000))
    with pytest.raises(WarcWriteError) as failed:
        w.write(pair(2, body_size=3000))
    message = str(failed.value)
    assert "\n" not in message and os.strerror(error) in message
    with pytest.raises(WarcWriteError, match=re.escape(message)):  # no more writes after that
        w.write(pair(3, body_size=3000))

    (path,) = w.close()
    assert [f.name for f in (tmp_path / "warc").iterdir()] == [path.name]  # closed, not .open
    assert path.stat().st_size == placed[-1].offset + placed[-1].length
    assert_whole(path)
    assert_records_at(path, placed)
    assert [r[1] for r in read(path) if r[0] == "response"] == [
        "https://news.test/page/0", "https://news.test/page/1"]


@pytest.mark.parametrize("room", [0, 100, 900])
def test_a_file_that_never_got_a_whole_record_is_deleted_not_shipped(
    tmp_path: Path, monkeypatch, room: int
) -> None:
    fill_after(monkeypatch, [room])  # inside the warcinfo or inside the first record
    w = writer(tmp_path)
    with pytest.raises(WarcWriteError):
        w.write(pair(1, body_size=3000))
    assert w.close() == []
    assert list((tmp_path / "warc").iterdir()) == []


def test_a_failure_in_the_next_file_after_rotation_keeps_the_first_whole(
    tmp_path: Path, monkeypatch
) -> None:
    fill_after(monkeypatch, [10**9, 700])  # the second file fails in its first group
    w = writer(tmp_path, max_size=2500)
    placed = w.write(pair(1, body_size=400))
    with pytest.raises(WarcWriteError):
        for n in range(2, 12):
            placed += w.write(pair(n, body_size=400))
    (path,) = w.close()
    assert [f.name for f in (tmp_path / "warc").iterdir()] == [path.name]
    assert_whole(path)
    assert_records_at(path, placed)


# --- durability and memory ------------------------------------------------------------------------


def test_records_are_fsynced_before_write_returns(tmp_path: Path, monkeypatch) -> None:
    """The journal marks a page done right after ``write`` returns: the records must be on disk."""
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(warc_writer.os, "fsync", fsync)
    w = writer(tmp_path)
    w.write(pair(1))
    assert synced, "write returned before the WARC was fsynced"
    before = len(synced)
    w.write(pair(2))
    assert len(synced) > before
    w.close()


def test_serialising_a_big_body_needs_memory_independent_of_its_size(tmp_path: Path) -> None:
    """Records are streamed to the file: no copy of the body, no whole-record gzip buffer."""
    body_size = 32 * 1024 * 1024
    big = Exchange(url="https://news.test/big", method="GET", request_headers=[],
                   fetched_at=datetime(2026, 3, 1, tzinfo=UTC), status=200,
                   body=os.urandom(body_size))
    records, _ = build_exchange_records(big)
    w = writer(tmp_path, gzip_level=1)
    tracemalloc.start()
    try:
        w.write(records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (path,) = w.close()
    assert path.stat().st_size > body_size
    assert peak < body_size // 4, f"peak {peak} bytes while writing a {body_size}-byte body"
