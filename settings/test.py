"""Settings for the test suite: the fixture web is local, so no politeness delays."""

from settings.base import *  # noqa: F403

AUTOTHROTTLE_ENABLED = False
# The fixture web is on loopback; the SSRF tests turn the guard back on explicitly.
CITEWARC_ALLOW_PRIVATE_ADDRESSES = True
# No independent Memento archives by default: the suite never asks the internet (the Wayback
# Machine, archive.today); the ledger tests name their local pywb archive.
CITEWARC_MEMENTO_ARCHIVES = ""
# Outage tests raise it; a short budget keeps failing-store tests quick.
CITEWARC_UPLOAD_RETRY_BUDGET = 3
# One text-extraction process per crawl: the suite's crawls are small, and each further process
# costs a Python start with trafilatura's imports (~0.7 s of CPU) in every crawl of the suite.
CITEWARC_EXTRACT_WORKERS = 1
DOWNLOAD_DELAY = 0
# Every fixture server is on 127.0.0.1, one host to Scrapy: the suite runs at the pace it had while
# Scrapy let a host's queued requests all start at once (crawler/web/downloader.py). The politeness
# tests select tests/servers/polite_settings.py, which puts the per-host limit back.
CONCURRENT_REQUESTS_PER_DOMAIN = 16
DOWNLOAD_TIMEOUT = 15
RETRY_TIMES = 1
# Static captures unless a test asks for the browser (tests/integration/test_browser*.py).
CITEWARC_BROWSER = "never"
# Shared crawls: a killed worker's requests come back after 2 s, idle workers look every 0.1 s.
CITEWARC_REDIS_HEARTBEAT = 0.5
CITEWARC_REDIS_POLL = 0.1
CITEWARC_REDIS_VISIBILITY_TIMEOUT = 2
# A TSA that is down is retried as in production, without a crawl waiting 3 s for it.
CITEWARC_TSA_RETRY_WAIT = 0.05
