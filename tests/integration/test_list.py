"""`citewarc list`: complete crawls of a store, newest first, crawl id in the first column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb

pytestmark = pytest.mark.integration


def test_list_shows_complete_crawls_newest_first(run_citewarc, fixture_web: FixtureWeb,
                                                 tmp_path: Path):
    store = tmp_path / "store"
    ids = []
    for _ in range(2):
        result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", str(store),
                              "--depth", "0", "--no-requisites")
        assert result.returncode == 0, result.stderr
        ids.append(result.stdout.split()[-1])
    assert ids[0] != ids[1], "two crawls in the same second still get distinct ids"
    # An incomplete crawl (no manifest) is not listed.
    (store / "20200101T000000Z-unfinished" / "warc").mkdir(parents=True)
    listed = run_citewarc("list", "--store", str(store))
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.strip().splitlines()]
    assert [row[0] for row in rows] == ids[::-1]
    assert all(row[-1] == fixture_web.url(ARTICLE_PATH) for row in rows)
