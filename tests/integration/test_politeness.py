"""A host never has more of a crawl's requests at once than CONCURRENT_REQUESTS_PER_DOMAIN.

Scrapy 2.19 on the asyncio reactor starts every queued request of a host at once when there is no
download delay (crawler/web/downloader.py): with a limit of 2, a slow site saw 8 at once. The
crawl here runs with tests/servers/polite_settings.py (limit 2, no delay, AutoThrottle off) against
a site whose 12 cited pages each take 0.3 s, so they queue up together.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_citewarc_in
from tests.servers.slow_server import SlowServer

pytestmark = pytest.mark.integration


def test_a_host_never_has_more_requests_at_once_than_its_limit(tmp_path: Path) -> None:
    with SlowServer(site_pages=12, page_delay=0.3) as slow:
        done = run_citewarc_in(tmp_path, ["archive", slow.url("/site/index.html"), "--depth", "1",
                                          "--store", str(tmp_path / "store")],
                               env={"CITEWARC_SETTINGS": "tests.servers.polite_settings"})
        assert done.returncode == 0, done.stderr[-2000:]
        assert len([p for p in slow.requests if p.startswith("/site/")]) == 13
        assert slow.most_active == 2  # the limit, used to the full and never exceeded
