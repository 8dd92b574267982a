"""``citewarc verify CRAWL_ID`` / ``citewarc verify FILE.wacz``: check a stored crawl against its
manifest, or a WACZ someone sent, offline; signature, signer and timestamp included."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from crawler.errors import (
    EXIT_OK,
    EXIT_STORAGE,
    EXIT_USAGE,
    EXIT_VERIFY,
    StorageFailed,
    UsageError,
    VerifyFailed,
    exit_codes_help,
)
from pipelines.store.base import Store, StoreError

COMMON_OPTIONS = True
HELP = "check a crawl (or a WACZ file) against its manifest, signature and timestamp (exit 6 on any problem)"
DESCRIPTION = ("Read every file the crawl's manifest lists back from the store and compare\n"
               "its size and sha256; WARCs are also checked record by record (block and\n"
               "payload digests, whole gzip members). Then the WACZ: every file it carries\n"
               "against datapackage.json, that against datapackage-digest.json, the signature\n"
               "(who signed: the key's fingerprint), the RFC 3161 timestamp token, and the\n"
               "manifest it carries against the stored one. One line per file on stdout: ok,\n"
               "MISMATCH, CORRUPT, MISSING, EXTRA (stored but not listed) or INVALID (a\n"
               "signature or timestamp). Given a FILE.wacz instead, checks that file alone,\n"
               "with no store and no network.")
EPILOG = exit_codes_help((EXIT_OK, EXIT_USAGE, EXIT_STORAGE, EXIT_VERIFY), notes={
    EXIT_OK: "every listed file is present and unchanged, any signature and timestamp verify",
    EXIT_USAGE: "usage error: not a crawl id or WACZ file, no such crawl in the store, bad store "
                "URI, bad --key or --tsa-cert",
    EXIT_STORAGE: "the store could not be read; with --timestamp, the timestamp authority did "
                  "not answer (try again later)",
    EXIT_VERIFY: "a file is missing, changed or corrupt, a signature or timestamp does not verify, "
                 "or the crawl has no manifest",
})


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("crawl_id", metavar="CRAWL_ID|FILE.wacz",
                        help="the crawl id printed by `archive`, or a WACZ file to check alone")
    parser.add_argument("--key", metavar="FINGERPRINT",
                        help="require the signature of this key (its sha256 fingerprint, as "
                             "`citewarc keygen` prints it)")
    parser.add_argument("--tsa-cert", metavar="FILE", type=Path,
                        help="the timestamp authority's certificate (PEM): the token must be "
                             "issued by it (or a certificate it signed)")
    parser.add_argument("--timestamp", action="store_true",
                        help="first timestamp a crawl stored while its timestamp authority was "
                             "down (CITEWARC_TSA_URL, else the one it asked)")


def open_crawl_store(args: Namespace) -> Store:
    """The store named by --store / CITEWARC_STORE, after checking the crawl id's form."""
    from crawler.config import configured_store, load_settings
    from pipelines.keys import is_crawl_id

    if not is_crawl_id(args.crawl_id):
        raise UsageError(f"{args.crawl_id!r} is not a crawl id (YYYYMMDDTHHMMSSZ-slug, as printed "
                         "by `citewarc archive`) nor a .wacz file")
    return configured_store(load_settings({"CITEWARC_STORE": args.store}))


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None] | None]:
    """A transient progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    with Progress(TextColumn("verifying"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=Console(stderr=True),
                  transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_file(key: str, index: int, total: int) -> None:
            progress.update(task, completed=index, total=total, description=key.rpartition("/")[2])

        yield on_file


def evidence_request(args: Namespace):
    """--key and --tsa-cert, checked: a usage error (exit 2) when malformed or unreadable."""
    from pipelines.verify import EvidenceRequest

    required = None
    if args.key:
        from pipelines.evidence.signing_key import normalise_fingerprint

        try:
            required = normalise_fingerprint(args.key)
        except ValueError as exc:
            raise UsageError(f"--key {args.key!r}: {exc}") from None
    certs = None
    if args.tsa_cert is not None:
        try:
            certs = args.tsa_cert.read_bytes()
        except OSError as exc:
            raise UsageError(f"--tsa-cert {args.tsa_cert}: {exc.strerror or exc}") from None
        if b"-----BEGIN CERTIFICATE-----" not in certs:
            raise UsageError(f"--tsa-cert {args.tsa_cert}: not a PEM certificate")
    return EvidenceRequest(required_key=required, tsa_certs_pem=certs)


def is_wacz_file(target: str) -> bool:
    """A WACZ is named ``*.wacz`` (a crawl id never has a dot); any other path is taken as a crawl
    id and refused as one, so ``verify /etc/passwd`` is a usage error, not a check of that file."""
    return target.lower().endswith(".wacz")


def run(args: Namespace) -> int:
    request = evidence_request(args)
    if is_wacz_file(args.crawl_id):
        return verify_file(Path(args.crawl_id), request, args.timestamp)
    store = open_crawl_store(args)
    if args.timestamp:
        stamp(store, args)
    return verify_stored(store, args.crawl_id, request)


def verify_stored(store: Store, crawl_id: str, request) -> int:
    from pipelines.verify import IncompleteCrawl, UnknownCrawl, evidence_summary, verify_crawl

    try:
        with _progress() as on_file:
            report = verify_crawl(store, crawl_id, on_file, request)
    except UnknownCrawl as exc:
        raise UsageError(str(exc)) from None
    except IncompleteCrawl as exc:
        raise VerifyFailed(str(exc)) from None
    except StoreError as exc:
        raise StorageFailed(f"cannot verify {crawl_id}: {exc}") from None
    for result in report.results:
        print(result.line(), flush=True)
    checked = report.listed
    summary = evidence_summary(report.wacz, report.evidence)
    if report.problems:
        raise VerifyFailed(f"{crawl_id} in {report.store_uri} does not match its manifest "
                           f"({problem_counts(report.problems)}; {checked} files listed)")
    print(f"{crawl_id}: all {checked} files match the manifest ({report.store_uri}); {summary}",
          file=sys.stderr)
    return 0


def problem_counts(problems) -> str:
    counts: dict[str, int] = {}
    for result in problems:
        counts[result.status] = counts.get(result.status, 0) + 1
    return ", ".join(f"{n} {status.lower()}" for status, n in counts.items())


def verify_file(path: Path, request, timestamp: bool) -> int:
    """A WACZ alone: one line per problem, the summary on stderr; no store, no network."""
    from pipelines.verify import FileResult, evidence_summary, verify_wacz_file

    if timestamp:
        raise UsageError("--timestamp stamps a stored crawl: give its crawl id, not a file")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    check = verify_wacz_file(path, request)
    problems = [FileResult(p.what, p.status, p.detail) for p in check.problems]
    problem_keys = {p.key for p in problems}
    for member in check.resources:
        if f"{path.name}:{member}" not in problem_keys:
            print(f"{'ok':<8} {path.name}:{member}", flush=True)
    for problem in problems:
        print(problem.line(), flush=True)
    if problems:
        raise VerifyFailed(f"{path} does not verify ({problem_counts(problems)}; "
                           f"{len(check.resources)} files listed)")
    carried = "; it carries the crawl's manifest" if check.manifest is not None else ""
    print(f"{path.name}: all {len(check.resources)} files match datapackage.json{carried}; "
          f"{evidence_summary(check)}", file=sys.stderr)
    return 0


def stamp(store: Store, args: Namespace) -> None:
    """--timestamp: stamp the crawl now if its timestamp is pending (a TSA that is still down is
    exit 4: nothing is lost, try again later)."""
    from crawler.config import load_settings, spool_root
    from pipelines.evidence.later import StampLaterError, stamp_later
    from pipelines.evidence.pending import pending_timestamps
    from pipelines.evidence.seal import tsa_retry
    from pipelines.spool import store_spool
    from pipelines.store.base import NotFoundError

    settings = load_settings({"CITEWARC_STORE": args.store})
    try:
        stamped = stamp_later(store, args.crawl_id, settings.get("CITEWARC_TSA_URL") or None,
                              tsa_retry(settings))
    except NotFoundError:
        raise UsageError(f"no complete crawl {args.crawl_id} in store {store.uri}") from None
    except StampLaterError as exc:
        if exc.unavailable:
            raise StorageFailed(f"{args.crawl_id} not timestamped: {exc}; try again later") from None
        raise VerifyFailed(str(exc)) from None
    except StoreError as exc:
        raise StorageFailed(f"cannot timestamp {args.crawl_id}: {exc}") from None
    for pending in pending_timestamps(store_spool(spool_root(settings), store.uri)):
        if pending.crawl_id == args.crawl_id:
            pending.done()
    if not stamped.already:
        print(f"timestamped {args.crawl_id}: {stamped.gen_time} by {stamped.tsa}", file=sys.stderr)
