"""pipelines.warc.repair: a WARC left ``.open`` keeps every whole record; one with nothing but its
warcinfo (or less) is deleted, never shipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.warc.repair import repair_open_warc
from pipelines.warc.writer import OPEN_SUFFIX
from tests.unit.test_warc_writer import assert_whole, pair, read, writer


def open_copy(tmp_path: Path, groups: int) -> tuple[Path, list]:
    """A ``.open`` WARC as a killed crawl leaves it, with ``groups`` request/response pairs."""
    w = writer(tmp_path / "src")
    placed = [p for n in range(groups) for p in w.write(pair(n, body_size=3000))]
    (src,) = (tmp_path / "src" / "warc").iterdir()
    crashed = tmp_path / (src.name if src.name.endswith(OPEN_SUFFIX) else src.name + OPEN_SUFFIX)
    shutil.copyfile(src, crashed)
    w.close()
    return crashed, placed


def test_torn_tail_is_cut_and_every_whole_record_kept(tmp_path: Path) -> None:
    crashed, placed = open_copy(tmp_path, 3)
    with crashed.open("r+b") as f:
        f.truncate(placed[-1].offset + placed[-1].length // 2)
    repair = repair_open_warc(crashed)
    assert not repair.deleted and not crashed.exists()
    assert repair.records == 1 + 5  # warcinfo + every record before the torn one
    assert repair.path.stat().st_size == placed[-2].offset + placed[-2].length
    assert_whole(repair.path)
    assert [r[0] for r in read(repair.path)] == ["warcinfo"] + ["response", "request"] * 2 + [
        "response"]


@pytest.mark.parametrize("keep", ["nothing", "torn warcinfo", "warcinfo", "warcinfo and a tear"])
def test_a_file_without_a_whole_record_is_deleted(tmp_path: Path, keep: str) -> None:
    crashed, placed = open_copy(tmp_path, 1)
    info_end = placed[0].offset
    size = {"nothing": 0, "torn warcinfo": info_end // 2, "warcinfo": info_end,
            "warcinfo and a tear": info_end + placed[0].length // 2}[keep]
    with crashed.open("r+b") as f:
        f.truncate(size)
    repair = repair_open_warc(crashed)
    assert repair.deleted and repair.records == 0
    assert not crashed.exists() and not repair.path.exists()
    assert list(tmp_path.glob("*.warc.gz*")) == []
