"""``citewarc replay [CRAWL_ID...]``: open crawls in pywb on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import signal
import sys
from argparse import ArgumentParser, Namespace

from crawler.errors import StorageFailed, UsageError

COMMON_OPTIONS = True
HELP = "open crawls in pywb on 127.0.0.1"
DESCRIPTION = ("Fetch the crawls' WARCs and indexes from the store into a local cache, start pywb "
               "and print the replay URL of each seed (stdout). Several crawls of one URL replay as "
               "a timeline. Ctrl-C or SIGTERM stops it.")


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_ids", nargs="*", metavar="CRAWL_ID",
                        help="crawls to open (default: every complete crawl in the store)")
    parser.add_argument("--port", type=int, default=8080, help="port to serve on (default 8080)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: only this machine can connect; "
                             "any other address makes every replayed crawl readable on the "
                             "network, and citewarc warns)")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: Namespace) -> int:
    from crawler.config import configured_store, load_settings, spool_root
    from crawler.replay import (
        PywbServer,
        ReplayError,
        check_port_free,
        ensure_replay_venv,
        exposure_warning,
        prepare_collection,
        replay_venv,
    )
    from pipelines.catalog import complete_crawls
    from pipelines.keys import is_crawl_id
    from pipelines.store.base import StoreError

    for crawl_id in args.crawl_ids:
        if not is_crawl_id(crawl_id):
            raise UsageError(f"{crawl_id!r} is not a crawl id (YYYYMMDDTHHMMSSZ-slug)")
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a TCP port")
    warning = exposure_warning(args.host, args.port)
    if warning:
        say(f"citewarc: {warning}")
    settings = load_settings({"CITEWARC_STORE": args.store})
    store = configured_store(settings)  # a bad store URI is exit 2
    try:
        crawl_ids = list(args.crawl_ids) or complete_crawls(store)
    except StoreError as exc:
        raise StorageFailed(str(exc)) from None
    if not crawl_ids:
        raise UsageError(f"no complete crawl in {store.uri}")
    check_port_free(args.host, args.port)
    wayback = ensure_replay_venv(replay_venv(settings.get("CITEWARC_REPLAY_VENV")), say)
    cache = spool_root(settings).parent / "replay"
    collection = prepare_collection(store, crawl_ids, cache)
    server = PywbServer(wayback, collection.root, args.host, args.port)

    def stop(signum, frame):  # SIGTERM behaves like Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.start()
        for timestamp, url in collection.seeds:
            print(server.replay_url(timestamp, url), flush=True)
        say(f"replaying {len(collection.crawl_ids)} crawl(s) from {store.uri} at "
            f"{server.base_url}/citewarc/ (Ctrl-C to stop)")
        code = server.wait()
        raise ReplayError(f"pywb stopped unexpectedly (exit {code}); see {server.log_path}")
    except KeyboardInterrupt:
        say("stopping replay")
        return 0
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
