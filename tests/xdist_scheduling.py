"""How `pytest -n 2` (make test) hands tests to its workers: the tests of a module that holds a
module- or session-scoped fixture (a crawl, a pair of runs, the browser crawls, a pywb) go to one worker
together, so the fixture is set up once; every other test goes on its own to whichever worker is
free.

xdist's default (``load``) sends chunks of consecutive tests, and where a chunk ends inside such a
module both workers set its fixture up (test_browser.py's four browser crawls, some 30 s, were
done twice in every full run measured). ``--dist loadgroup`` would do this with marks, but with
pytest 9 its marks change nothing (xdist 3.8 renames ``item._nodeid``, which pytest 9 no longer
reads); ``loadscope`` alone would also send the slow modules without shared fixtures (test_stop,
test_upload_proof) as single units, leaving one worker idle at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

SHARED_FIXTURE = re.compile(r"""scope\s*=\s*["'](?:session|module|class|package)["']""")


class SharedFixtureScheduling(LoadScopeScheduling):
    """``loadscope`` for modules with a shared fixture, one test a unit for the rest. The units
    go out largest first (xdist's loadscope order), so the grouped modules start early."""

    def __init__(self, config: pytest.Config, log=None) -> None:
        super().__init__(config, log)
        self._root = Path(config.rootpath)
        self._shares: dict[str, bool] = {}

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        if module not in self._shares:
            try:
                source = (self._root / module).read_text(encoding="utf-8")
            except OSError:
                source = ""
            self._shares[module] = bool(SHARED_FIXTURE.search(source))
        return module if self._shares[module] else nodeid
