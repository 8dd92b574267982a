"""``citewarc archive URL...``: the story, everything it cites, their requisites."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace

from crawler.commands import ENVIRONMENT_HELP, distributed_arguments, distributed_options
from crawler.errors import UsageError, exit_codes_help

COMMON_OPTIONS = True
HELP = "archive story URL(s), every page they cite and their requisites"
DESCRIPTION = ("Fetch the page(s), every page they cite, and the images, stylesheets, scripts and "
               "fonts needed to replay them; write WARCs, clean text and a manifest to the store. "
               "The crawl id is the last line on stdout.")
EPILOG = exit_codes_help() + ENVIRONMENT_HELP + """\
  CITEWARC_BROWSER   browser mode when --browser is not given (default auto)
  CITEWARC_BROWSER_DOMAINS   per-host modes as JSON, {"example.com": "always"}
"""


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="http(s) URL of a story")
    parser.add_argument("--resume", metavar="CRAWL_ID",
                        help="finish a crawl that was killed: repair its WARC files, fetch only "
                             "what is missing, complete the same crawl id (same machine, spool "
                             "and store)")
    parser.add_argument("--depth", type=int, metavar="N",
                        help="citation hops to follow (default 1: the seed's citations; "
                             "0: the seed only)")
    parser.add_argument("--no-requisites", action="store_true",
                        help="do not fetch images, stylesheets, scripts and fonts (a page loaded "
                             "in the browser still fetches the scripts and data that build it)")
    parser.add_argument("--ignore-robots", action="store_true",
                        help="do not obey robots.txt (it is obeyed by default)")
    parser.add_argument("--no-archive-lookups", action="store_true",
                        help="do not ask the independent archives (the Internet Archive's Wayback Machine, "
                             "archive.today, or $CITEWARC_MEMENTO_ARCHIVES) for their copies of "
                             "each citation; the ledger (citations.json) says they were not asked")
    parser.add_argument("--time-limit", metavar="T",
                        help="stop fetching after T (30s, 90m, 2h) and finish the crawl: what "
                             "it did not fetch is listed in the manifest as skipped (with --redis: "
                             "T from the announcement, for every worker)")
    parser.add_argument("--allow-private-addresses", action="store_true",
                        help="also fetch loopback, private, link-local and reserved addresses "
                             "(refused by default, so a hostile page cannot make the crawler "
                             "probe your network)")
    parser.add_argument("--browser", metavar="MODE",
                        help="which pages are loaded in headless Chromium (Debian's chromium) as "
                             "well: auto, a page whose static capture looks built by scripts; "
                             "always, every seed and citation; never, none (static capture only). "
                             "Default: $CITEWARC_BROWSER, else auto")
    parser.add_argument("--browser-domain", action="append", default=[], metavar="HOST=MODE",
                        help="the browser mode for HOST and its subdomains (repeatable; replaces "
                             "$CITEWARC_BROWSER_DOMAINS), e.g. example.com=always")
    distributed_arguments(parser, "crawl")


def run(args: Namespace) -> int:
    from crawler.browser.mode import parse_domain_options, parse_mode
    from crawler.web.urls import InvalidURL, clean_url, refuse_userinfo, seed_slug

    redis = distributed_options(args)
    if args.resume and args.urls:
        raise UsageError("--resume takes a crawl id, not URLs")
    if not args.resume and not args.urls:
        raise UsageError("give the URL(s) to archive, or --resume CRAWL_ID")
    seeds = []
    for url in args.urls:
        try:
            refuse_userinfo(url)
            seeds.append(clean_url(url))
        except InvalidURL as exc:
            raise UsageError(str(exc)) from None
    if args.depth is not None and args.depth < 0:
        raise UsageError("--depth must be 0 or more")
    browser = parse_mode(args.browser, "--browser") if args.browser is not None else None
    browser_domains = parse_domain_options(args.browser_domain) if args.browser_domain else None
    # Scrapy and the crawl's machinery only now: a usage error above answers in a blink.
    from crawler.extensions.time_limit import parse_time_limit
    from crawler.report import report_crawl
    from crawler.session import CrawlRequest, run_crawl
    from crawler.spiders.story import StorySpider

    overrides = {  # on resume, options given again win over those the crawl started with
        "CITEWARC_STORE": args.store,
        "CITEWARC_DEPTH": args.depth,
        "CITEWARC_REQUISITES": False if args.no_requisites else None,
        "ROBOTSTXT_OBEY": False if args.ignore_robots else None,
        "CITEWARC_ARCHIVE_LOOKUPS": False if args.no_archive_lookups else None,
        "CITEWARC_ALLOW_PRIVATE_ADDRESSES": True if args.allow_private_addresses else None,
        "CITEWARC_SEEDS": seeds or None,
        "CITEWARC_PROGRESS": sys.stderr.isatty() and not args.verbose,
        "CITEWARC_TIME_LIMIT": parse_time_limit(args.time_limit) if args.time_limit else None,
        "CITEWARC_BROWSER": browser,
        "CITEWARC_BROWSER_DOMAINS": browser_domains,
    }
    request = CrawlRequest(StorySpider, overrides, slug=seed_slug(seeds[0]) if seeds else "",
                           resume=args.resume, verbose=args.verbose)
    if redis is not None:
        from crawler.distributed.announcer import run_announced

        return run_announced(request, redis.url, redis.workers, redis.max_workers)
    crawled = run_crawl(request)
    return report_crawl(crawled.result, crawled.log_file, crawled.console)
