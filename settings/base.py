"""Default settings of citewarc: Scrapy's own, tuned for archiving, then ours (prefix CITEWARC_).

One setting a line, alphabetical within each block, no logic. Every CITEWARC_ setting is
documented here and only here.
"""

from crawler import __version__

BOT_NAME = "citewarc"
CITEWARC_VERSION = __version__
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Scrapy, tuned for archiving rather than scraping -------------------------------------------
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Outputs of one callback processed at once: a page yields one item and its requests, and Scrapy
# starts this many asyncio tasks for every callback (its default, 100, costs ~100 tasks a page).
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
COOKIES_ENABLED = True
# Only what warcio and pywb can decode on replay (Scrapy would also offer zstd).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "Accept-Language": "en;q=0.9, *;q=0.5",
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.guard.UserinfoStripper": 40,  # no user:password@ in any request URL (redirects too)
    "crawler.middlewares.guard.PrivateAddressGuard": 50,
    "crawler.middlewares.limits.ResponseLimits": 800,  # between decompression (590) and capture (950)
    "crawler.middlewares.from_archive.ArchivedResponseMiddleware": 940,  # --resume only
    "crawler.middlewares.capture.WarcCaptureMiddleware": 950,
}
# Scrapy's downloader with its per-host limit holding on the asyncio reactor (Scrapy 2.19 starts
# every queued request of a host at once when there is no delay: crawler/web/downloader.py).
DOWNLOADER = "crawler.web.downloader.PoliteDownloader"
# Only http and https: a citation must never make the crawler read files, S3 or FTP. Scrapy's
# HTTP/1.1 handler, noting when each request goes out (the WARC-Date of its records).
DOWNLOAD_HANDLERS = {
    "data": None, "file": None, "ftp": None, "s3": None,
    "http": "crawler.middlewares.http_handler.TimedHTTPDownloadHandler",
    "https": "crawler.middlewares.http_handler.TimedHTTPDownloadHandler",
}
DOWNLOAD_FAIL_ON_DATALOSS = False  # keep what arrived; the record is marked WARC-Truncated
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024  # middlewares.limits sets it per request (CITEWARC_MAX_*_SIZE)
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_WARNSIZE = 32 * 1024 * 1024
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"  # the spider dedupes on canonical URLs
# Scrapy's own extensions but its remote control (an HTTP server that runs the Python sent to it)
# and telnet console, both also off below: Scrapy imports every listed extension, even one set to
# None, and the remote control's aiohttp alone cost a third of a second at every start.
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.memdebug.MemoryDebugger": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
EXTENSIONS = {
    "crawler.extensions.progress.ProgressDisplay": 500,
    "crawler.extensions.time_limit.CrawlTimeLimit": 800,
    "pipelines.finalize.FinalizeCrawl": 900,
}
HTTPERROR_ALLOW_ALL = True  # 404s and 500s are evidence too: they reach the spider and the WARC
ITEM_PIPELINES = {
    "pipelines.stages.BrowserRecordsPipeline": 250,
    "pipelines.stages.TextPipeline": 300,
    "pipelines.stages.EditTrackingPipeline": 350,
    "pipelines.stages.WarcMetadataPipeline": 400,
    "pipelines.stages.ManifestPipeline": 900,
}
LOG_LEVEL = "INFO"
REDIRECT_MAX_TIMES = 10
REMOTE_CONTROL_ENABLED = False  # would open a listening port
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_TIMES = 3
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False  # would open a listening port
TWISTED_DNS_RESOLVER = "crawler.middlewares.guard.GuardedResolver"  # refuses private DNS answers (SSRF)
# No URL length limit: Scrapy's default (2083) drops longer seeds and citations without a trace.
URLLENGTH_LIMIT = 0
USER_AGENT = f"citewarc/{__version__} (web archiving of cited sources; +https://github.com/citewarc/citewarc)"

# --- citewarc ------------------------------------------------------------------------------------
# Host names or addresses fetched even when private (an intranet site you mean to archive); the
# only way to fetch a cloud metadata address (169.254.169.254, fd00:ec2::254, ...).
CITEWARC_ALLOWED_HOSTS = []
# Fetch loopback, private, link-local and reserved addresses too (off: refused, recorded as such);
# cloud metadata addresses stay refused unless named in CITEWARC_ALLOWED_HOSTS.
CITEWARC_ALLOW_PRIVATE_ADDRESSES = False
# Load pages in headless Chromium as well (crawler/browser): "auto" when the static capture looks
# built by scripts (no main text, an empty app shell), "always" for every seed and citation, "never".
CITEWARC_BROWSER = "auto"
# Browser mode per host, overriding CITEWARC_BROWSER for that host and its subdomains:
# {"example.com": "always", "static.example.org": "never"}.
CITEWARC_BROWSER_DOMAINS = {}
# The Chromium to drive ("": chromium, chromium-browser or google-chrome, found on PATH).
CITEWARC_BROWSER_EXECUTABLE = ""
# Pages loaded in the browser at once (one tab each).
CITEWARC_BROWSER_PAGES = 2
# Seconds a page may spend in the browser (load, scroll, settle); then it is captured as it stands
# and its row says it was cut short.
CITEWARC_BROWSER_PAGE_TIMEOUT = 30
# Seconds with no request in flight after which the page's network counts as quiet.
CITEWARC_BROWSER_QUIET = 0.5
# Set by the command line: the crawl's id and its seeds (`scrapy crawl story -a url=` works too).
CITEWARC_CRAWL_ID = ""
CITEWARC_SEEDS = []
# Citation hops to follow from each seed (0: the seed only).
CITEWARC_DEPTH = 1
# Extract main text and citations (trafilatura); off: pages archived, no text files, no citations.
CITEWARC_EXTRACT = True
# Pages larger than this (decoded characters) are archived but not text-extracted.
CITEWARC_EXTRACT_MAX_CHARS = 5_000_000
# Processes for trafilatura (0: one per CPU core).
CITEWARC_EXTRACT_WORKERS = 0
# Which URLs are the crawl's to fetch, and max_pages (a crawl shared through Redis: its own class).
CITEWARC_FRONTIER = "crawler.spiders.frontier.LocalFrontier"
# Scheduled crawls (set from the job file by `citewarc crawl`): the job's name, feeds, sitemaps.
CITEWARC_FEEDS = []
CITEWARC_JOB_NAME = ""
CITEWARC_SITEMAPS = []
# Where the crawl's log file goes ("" : <spool>/logs/<crawl-id>.log).
CITEWARC_LOG_FILE = ""
# Body bytes kept per response, as received; past it the record is WARC-Truncated: length (0: none).
CITEWARC_MAX_BODY_SIZE = 100 * 1024 * 1024
# Bytes a compressed body may expand to; beyond, a gzip bomb: page error, raw bytes kept (0: none).
CITEWARC_MAX_DECOMPRESSED_SIZE = 100 * 1024 * 1024
# Newest entries taken from each feed or sitemap, and the age beyond which entries are skipped.
CITEWARC_MAX_ENTRY_AGE_DAYS = 7
CITEWARC_MAX_FEED_ENTRIES = 50
# Pages (seeds, citations, feed entries; not requisites) fetched at most per crawl (0: no limit).
CITEWARC_MAX_PAGES = 1000
# Requisites fetched at most per page.
CITEWARC_MAX_REQUISITES_PER_PAGE = 200
# Independent Memento archives asked about every citation: comma-separated endpoint prefixes to
# which a URL is appended, TimeMap (https://web.archive.org/web/timemap/link/) or TimeGate
# (https://archive.today/timegate/) form. None: the Wayback Machine's and archive.today's TimeMaps.
CITEWARC_MEMENTO_ARCHIVES = None
# Ask those archives for their copies of each citation when the crawl ends, for the citation
# ledger (`--no-archive-lookups` turns it off; the ledger then says they were not asked).
CITEWARC_ARCHIVE_LOOKUPS = True
# Seconds all archive lookups of a crawl may take together; past it the rest are recorded as not asked.
CITEWARC_MEMENTO_BUDGET = 60
# A name for whoever runs the crawl (a person, a desk), recorded in its provenance ("": none).
CITEWARC_OPERATOR = ""
# Show the live progress line (the CLI turns it on when stderr is a terminal).
CITEWARC_PROGRESS = False
# Request headers whose values are credentials: sent to the server, archived as "[redacted]".
CITEWARC_REDACT_HEADERS = ["Authorization"]
# pywb's own environment for `citewarc replay` ("": the checkout's .venv-replay).
CITEWARC_REPLAY_VENV = ""
# Shared crawls (--redis): seconds between a worker's heartbeats (its alive key in Redis).
CITEWARC_REDIS_HEARTBEAT = 5
# How many workers may join one shared crawl (--max-workers; --workers N sets N).
# Each one's per-host limits are the crawl's divided by it (crawler/distributed/config.py).
CITEWARC_REDIS_MAX_WORKERS = 4
# Seconds a worker keeps every Redis call retrying (redis-py's Retry, exponential backoff) before it
# gives up: a Redis restart is waited out (bench/spike_redis_workers.py D and F).
CITEWARC_REDIS_OUTAGE = 60
# Seconds an idle worker waits before it looks at the queue again (Scrapy's engine alone: 5 s).
CITEWARC_REDIS_POLL = 0.2
# Seconds without a heartbeat after which a worker is taken for dead and any other puts its requests
# back in the queue. Above the longest stall of a live worker's reactor (a 100 MB body gzipped at
# level 9 takes ~4 s on one core): a live worker taken for dead costs a page fetched twice, no more.
CITEWARC_REDIS_VISIBILITY_TIMEOUT = 30
# This worker's id (in its in-flight key, heartbeat and WARC names); empty: "w" + 6 random hex digits.
CITEWARC_REDIS_WORKER = ""
# Fetch images, stylesheets, scripts, fonts and CSS-referenced files so pages replay as they looked.
CITEWARC_REQUISITES = True
# Set by `citewarc archive --resume`: continue the crawl CITEWARC_CRAWL_ID from its journal.
CITEWARC_RESUME = False
# Retries botocore makes per S3 request (reads, listings; uploads size theirs by the budget below).
CITEWARC_S3_MAX_ATTEMPTS = 3
# Bytes per multipart part and the size above which uploads go multipart (S3 stores).
CITEWARC_S3_MULTIPART_CHUNKSIZE = 16 * 1024 * 1024
CITEWARC_S3_MULTIPART_THRESHOLD = 64 * 1024 * 1024
# The PEM key (ECDSA P-384, made by `citewarc keygen`) that signs every crawl's WACZ (None:
# $XDG_CONFIG_HOME/citewarc/signing-key.pem, else ~/.config/citewarc/signing-key.pem); no file there:
# crawls are unsigned.
CITEWARC_SIGNING_KEY = None
# One request per site with a fetched citation, to a path that cannot exist (/citewarc-probe-<16 hex>):
# manifest role "probe", so the citation ledger can tell a soft 404 from a live page. Off: no probes.
CITEWARC_SOFT404_PROBE = True
# Local folder where files wait until the store confirms them ("": ~/.cache/citewarc/spool).
CITEWARC_SPOOL = ""
# Where the crawl goes: a path, file:///abs/path or s3://bucket/prefix.
CITEWARC_STORE = "./archive"
# Seconds of crawling, then no more fetching: the crawl finishes, the rest listed skipped (0: none).
CITEWARC_TIME_LIMIT = 0
# A shared crawl's end as a Unix time (the announcer's now + CITEWARC_TIME_LIMIT; 0: none): a worker
# joining late stops at it, not a full limit after its own start. Set by workers, never by hand.
CITEWARC_TIME_LIMIT_DEADLINE = 0
# An RFC 3161 timestamp authority (https://...) that timestamps each signed WACZ digest (None: none).
CITEWARC_TSA_URL = None
# Requests to the TSA before a crawl's timestamp is left pending (push or verify --timestamp stamps it
# later), waiting CITEWARC_TSA_RETRY_WAIT seconds, then twice that, ... between them.
CITEWARC_TSA_ATTEMPTS = 3
CITEWARC_TSA_RETRY_WAIT = 1.0
# Seconds each S3 upload call waits out an outage (botocore's retries); a local store never retries.
CITEWARC_UPLOAD_RETRY_BUDGET = 120
# The resolver GuardedResolver asks (tests use a static one: they never ask the machine's DNS).
CITEWARC_UPSTREAM_RESOLVER = "scrapy.resolver.CachingThreadedResolver"
# gzip level of each WARC record (warcio's fixed 9 costs twice the CPU for ~1.4% smaller files).
CITEWARC_WARC_GZIP_LEVEL = 6
# Rotate WARC files before a record would cross this size; a record is never split.
CITEWARC_WARC_MAX_SIZE = 1024 * 1024 * 1024
# First part of WARC file names ("": the crawl id); a distributed worker's is <crawl id>-<worker>.
CITEWARC_WARC_PREFIX = ""
