"""Command line: parse arguments and dispatch to crawler/commands/<name>.py. Nothing else."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from collections.abc import Sequence

from crawler import __version__
from crawler.errors import EXIT_STORAGE, EXIT_USAGE, CitewarcError

EPILOG = """\
exit codes:
  0  the seed(s) archived and stored (citations may have failed: the manifest says which)
  2  usage or configuration error (malformed URL, a URL with a password, unsupported scheme,
     bad store URI, a control character in a path or name)
  3  no seed could be archived (dead host, HTTP error, refused); the attempt is still recorded
  4  storage failed, or the store cannot be read (every command), or the WARC could not be
     written (disk full); nothing is lost: the message says where the files wait
  5  another run of the same job holds its lock (crawl)
  6  verify found a missing, changed or corrupt file; push found a spooled file that changed
  7  stopped before the end (SIGTERM, Ctrl-C); nothing lost: finish it with --resume
environment:
  CITEWARC_STORE     default store (instead of ./archive)
  CITEWARC_SPOOL     where files wait until the store confirms them (~/.cache/citewarc/spool)
  AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE   S3 access
  http_proxy, https_proxy   fetch through a proxy
"""

JOB_EPILOG = """\
exit codes:
  0  the seeds archived and stored (for a job: its article URLs and the feed and sitemap entries
     taken this run; a run whose feeds hold nothing new is a success too)
  2  usage or configuration error (bad job file: the message names the field; bad store URI)
  3  no seed could be archived, or no feed or sitemap could be read
  4  storage failed, or the WARC could not be written (disk full); nothing is lost: the
     message says where the files wait
  5  another run of the same job (same name and store) still holds the lock
  7  stopped before the end (SIGTERM, Ctrl-C); nothing lost: the next run (or --resume) finishes it
environment:
  CITEWARC_STORE     store (after --store, before the job's store)
  CITEWARC_LOG_FILE  log file of each run (after --log-file, before the job's log_file)
  CITEWARC_SPOOL     where files wait until the store confirms them (~/.cache/citewarc/spool)
  XDG_CACHE_HOME     cache folder of the spool, locks and logs (~/.cache)
"""
CRON_EPILOG = """\
example:
  citewarc cron jobs/deir-ez-zor.yaml --every 6h      # then paste both lines into `crontab -e`
exit codes:
  0  the lines were printed
  2  bad job file (the message names the field), bad --every or bad store URI
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="citewarc",
        description="Archive news stories and every page they cite as WARC files with clean text.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"citewarc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", metavar="S",
                        help="where to store: a path, file:///abs/path or s3://bucket/prefix "
                             "(default: $CITEWARC_STORE or ./archive)")
    common.add_argument("-v", "--verbose", action="store_true",
                        help="show the crawler's log on stderr (it always goes to the log file)")
    common.add_argument("--debug", action="store_true",
                        help="show a traceback when something goes wrong")

    archive = sub.add_parser(
        "archive", parents=[common], epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="archive story URL(s), every page they cite and their requisites",
        description="Fetch the page(s), every page they cite, and the images, stylesheets, "
                    "scripts and fonts needed to replay them; write WARCs, clean text and a "
                    "manifest to the store. The crawl id is the last line on stdout.",
    )
    archive.add_argument("urls", nargs="*", metavar="URL", help="http(s) URL of a story")
    archive.add_argument("--resume", metavar="CRAWL_ID",
                         help="finish a crawl that was killed: repair its WARC files, fetch only "
                              "what is missing, complete the same crawl id (same machine, spool "
                              "and store)")
    archive.add_argument("--depth", type=int, metavar="N",
                         help="citation hops to follow (default 1: the seed's citations; "
                              "0: the seed only)")
    archive.add_argument("--no-requisites", action="store_true",
                         help="do not fetch images, stylesheets, scripts and fonts")
    archive.add_argument("--ignore-robots", action="store_true",
                         help="do not obey robots.txt (it is obeyed by default)")
    archive.add_argument("--time-limit", metavar="T",
                         help="stop fetching after T (30s, 90m, 2h) and finish the crawl: what "
                              "it did not fetch is listed in the manifest as skipped")
    archive.add_argument("--allow-private-addresses", action="store_true",
                         help="also fetch loopback, private, link-local and reserved addresses "
                              "(refused by default, so a hostile page cannot make the crawler "
                              "probe your network)")

    push = sub.add_parser(
        "push", parents=[common],
        help="upload crawls waiting in the local spool after a storage outage",
        description="Upload every crawl that waits in the local spool for the store (files "
                    "first, each verified by sha256, the manifest last). Prints each pushed "
                    "crawl id on stdout. An unfinished crawl (stopped or killed) is not pushed: "
                    "push names it and the command that finishes it.",
    )
    push.set_defaults(command="push")

    replay = sub.add_parser(
        "replay", parents=[common],
        help="open crawls in pywb on 127.0.0.1",
        description="Fetch the crawls' WARCs and indexes from the store into a local cache, "
                    "start pywb and print the replay URL of each seed (stdout). Several crawls "
                    "of one URL replay as a timeline. Ctrl-C or SIGTERM stops it.",
    )
    replay.add_argument("crawl_ids", nargs="*", metavar="CRAWL_ID",
                        help="crawls to open (default: every complete crawl in the store)")
    replay.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080)")
    replay.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: only this machine can connect; "
                             "any other address makes every replayed crawl readable on the "
                             "network, and citewarc warns)")

    listing = sub.add_parser(
        "list", parents=[common], help="the crawls in a store, newest first",
        description="One line per complete crawl, newest first: crawl id, fetches, failures, "
                    "seeds (tab-separated, the crawl id first). Crawls stopped or killed before "
                    "their end, waiting in the local spool, show `unfinished` and how many pages "
                    "they have not fetched.",
    )
    listing.set_defaults(command="list")

    history = sub.add_parser(
        "history", parents=[common], help="every capture of a URL, with what changed",
        description="One line per capture of URL in the store, oldest first (tab-separated): "
                    "capture time, crawl id, HTTP status, change (new/changed/unchanged, for "
                    "scheduled crawls), the fields an editor changed (title, author, date, text).",
    )
    history.add_argument("url", metavar="URL", help="the page's URL (any spelling: tracking "
                         "parameters and fragments are ignored)")
    history.add_argument("--diff", action="store_true",
                         help="after each edited capture, print what changed and the text diff")

    # --- verify / share ---
    verify = sub.add_parser(
        "verify", parents=[common],
        help="check every stored file of a crawl against its manifest (exit 6 on any problem)",
        description="Read every file the crawl's manifest lists back from the store and compare\n"
                    "its size and sha256; WARCs are also checked record by record (block and\n"
                    "payload digests, whole gzip members). One line per file on stdout: ok,\n"
                    "MISMATCH, CORRUPT, MISSING, or EXTRA (stored but not listed).",
        epilog="exit codes:\n  0  every listed file is present and unchanged\n"
               "  2  usage error: not a crawl id, no such crawl in the store, bad store URI\n"
               "  4  the store could not be read\n"
               "  6  a file is missing, changed or corrupt, or the crawl has no manifest\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("crawl_id", metavar="CRAWL_ID", help="the crawl id printed by `archive`")
    share = sub.add_parser(
        "share", parents=[common],
        help="print a time-limited link to a crawl's WACZ and its ReplayWeb.page viewer",
        description="Sign a GET URL for <crawl-id>/<crawl-id>.wacz in an s3:// store (no "
                    "credentials needed to use it, valid until it expires) and print it, then the "
                    "https://replayweb.page/ link that opens it. The bucket needs a CORS rule "
                    "for https://replayweb.page (see the README).",
    )
    share.add_argument("crawl_id", metavar="CRAWL_ID", help="the crawl id printed by `archive`")
    share.add_argument("--expires", metavar="T", default="7d",
                       help="lifetime of the link: seconds (3600) or 30m, 12h, 7d (default and "
                            "maximum: 7d)")

    # --- crawl / cron ---
    crawl = sub.add_parser(
        "crawl", epilog=JOB_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="run a job file: its stories, feeds and sitemaps (cron-safe)",
        description="Archive what a job file names: its article URLs, the new entries of its "
                    "RSS/Atom feeds and (news) sitemaps, each with the pages it cites and their "
                    "requisites. Cron-safe: nothing on the terminal but errors (and the crawl id, "
                    "the last line on stdout), a log file per run, and one run per job and store "
                    "at a time.",
    )
    crawl.add_argument("jobfile", metavar="JOBFILE",
                       help="the job file, YAML (.yaml/.yml) or TOML (.toml); see examples/job.yaml")
    crawl.add_argument("--store", metavar="S",
                       help="where to store: a path, file:///abs/path or s3://bucket/prefix "
                            "(default: $CITEWARC_STORE, else the job's store, else ./archive)")
    crawl.add_argument("--log-file", metavar="F",
                       help="this run's log file; {job} and {crawl_id} are filled in (default: "
                            "$CITEWARC_LOG_FILE, else the job's log_file, else "
                            "~/.cache/citewarc/logs/{job}/{crawl_id}.log)")
    crawl.add_argument("--time-limit", metavar="T",
                       help="stop fetching after T (30s, 90m, 2h) and finish the run (overrides "
                            "the job's limits.max_minutes); the rest is listed as skipped")
    crawl.add_argument("--resume", metavar="CRAWL_ID",
                       help="finish this job's stopped or killed crawl CRAWL_ID (a run without "
                            "it resumes the job's oldest unfinished crawl by itself)")
    crawl.add_argument("-v", "--verbose", action="store_true",
                       help="show the crawler's log on stderr too (it always goes to the log file)")
    crawl.add_argument("--debug", action="store_true",
                       help="show a traceback when something goes wrong")

    cron = sub.add_parser(
        "cron", epilog=CRON_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        help="print the crontab line that runs a job on a schedule",
        description="Check the job file, then print a comment line (job, store, lock and log "
                    "paths) and the crontab line that runs `citewarc crawl JOBFILE` on the "
                    "schedule, with absolute paths (cron's PATH is minimal) and its output "
                    "appended to ~/.cache/citewarc/logs/<job>/cron.log (whose folder this creates). "
                    "Install it with `crontab -e`.",
    )
    cron.add_argument("jobfile", metavar="JOBFILE", help="the job file (YAML or TOML)")
    cron.add_argument("--every", required=True, metavar="PERIOD",
                      help="how often: Nm with N dividing 60 (15m), Nh with N dividing 24 (6h), "
                           "or 1d; the minute is derived from the job name so jobs spread out")
    cron.add_argument("--store", metavar="S",
                      help="store for the scheduled runs (default: $CITEWARC_STORE, else the "
                           "job's store, else ./archive made absolute)")
    cron.add_argument("--log-file", metavar="F",
                      help="log file of each run; {job} and {crawl_id} are filled in")
    cron.add_argument("--debug", action="store_true",
                      help="show a traceback when something goes wrong")
    return parser


COMMANDS = ("archive", "push", "replay", "list", "history", "verify", "share", "crawl", "cron")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet_logging(getattr(args, "verbose", False))
    try:
        return _dispatch(parser, args)
    finally:
        _reap_workers()


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the command; every failure becomes one ``citewarc: error:`` line and its exit code."""
    from pipelines.store.base import StoreError, StoreURIError  # noqa: PLC0415 - no boto3 here

    try:
        if args.command not in COMMANDS:
            parser.error(f"unknown command {args.command}")
        # Imported on use: `citewarc --help` stays fast and light.
        module = importlib.import_module(f"crawler.commands.{args.command}")
        return module.run(args)
    except CitewarcError as exc:
        return _fail(args, str(exc), exc.exit_code)
    except StoreURIError as exc:  # the same contract for every command: a bad store URI is 2
        return _fail(args, str(exc), EXIT_USAGE)
    except StoreError as exc:  # ... and a store that cannot be reached or read is 4
        return _fail(args, str(exc), EXIT_STORAGE)
    except KeyboardInterrupt:
        print("citewarc: error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line, traceback only with --debug
        return _fail(args, f"internal error: {type(exc).__name__}: {exc} "
                           "(run with --debug for a traceback)", 1)


def _fail(args: argparse.Namespace, message: str, code: int) -> int:
    if args.debug:
        traceback.print_exc()
    print(f"citewarc: error: {message}", file=sys.stderr)
    return code


def _quiet_logging(verbose: bool) -> None:
    """Log records go to stderr only with --verbose: without a handler Python's last resort
    prints warnings there, and an error would no longer be one line. (``archive`` and ``crawl``
    replace this with their log file.)"""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr) if verbose else logging.NullHandler())


def _reap_workers() -> None:
    """No extraction worker (or multiprocessing helper) outlives the command."""
    extract = sys.modules.get("pipelines.extract")
    if extract is not None:
        extract.reap_workers()

if __name__ == "__main__":
    sys.exit(main())
