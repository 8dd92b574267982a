"""Without --redis nothing changes and nothing from scrapy-redis (or redis-py) is imported (issue
12): a whole ordinary crawl runs in a fresh interpreter, which then lists what it imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, citewarc_env

pytestmark = pytest.mark.integration

# Run in the child: the fixture web, one ordinary `citewarc archive` through crawler.cli.main, then
# the distributed modules found in sys.modules.
CHILD = """
import json, sys
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb
from crawler.cli import main
with FixtureWeb() as web:
    code = main(["archive", web.url(ARTICLE_PATH), "--depth", "0", "--no-requisites",
                 "--store", sys.argv[1]])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("scrapy_redis", "redis"))
print(json.dumps({"code": code, "loaded": loaded}))
"""


def test_ordinary_crawl_imports_no_redis(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "store")], cwd=REPO_ROOT,
                          env=citewarc_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr[-2000:]
    assert report["loaded"] == []
