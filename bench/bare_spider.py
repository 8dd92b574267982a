"""Bare Scrapy over a list of URLs, storing nothing: the floor for citewarc's fetch + WARC path.

Same politeness and concurrency as citewarc (read from settings/base.py: per-host cap,
AutoThrottle, robots.txt, timeouts, request headers), no pipelines, no capture, no extraction.

    python bench/bare_spider.py URLS_FILE
"""

from __future__ import annotations

import sys
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from settings import base  # noqa: E402

SHARED = (
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "COOKIES_ENABLED",
    "DEFAULT_REQUEST_HEADERS",
    "DOWNLOAD_TIMEOUT",
    "HTTPERROR_ALLOW_ALL",
    "LOG_LEVEL",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION",
    "RETRY_TIMES",
    "ROBOTSTXT_OBEY",
    "TELNETCONSOLE_ENABLED",
    "USER_AGENT",
)


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        self.urls = urls

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        return None


def main(argv: list[str]) -> int:
    urls = Path(argv[0]).read_text().split()
    settings = {name: getattr(base, name) for name in SHARED}
    process = CrawlerProcess({**settings, "REMOTE_CONTROL_ENABLED": False})
    process.crawl(BareSpider, urls=urls)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
