"""Read back what a crawl already archived (for --resume: a page whose response is in a WARC
is taken from there, not fetched a second time)."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from pipelines.warc.records import TLS_CERTIFICATE_PREFIX

# Record types that answer a request: a full response, or a revisit pointing to an earlier one.
ANSWER_TYPES = ("response", "revisit")


@dataclass(frozen=True)
class ArchivedResponse:
    url: str  # WARC-Target-URI: the URL as the crawler requested it (Scrapy's escaped form)
    path: Path
    offset: int
    length: int
    record_id: str
    warc_date: str
    status: int | None
    truncated: str | None = None  # WARC-Truncated, as archived
    refers_to: str | None = None  # a revisit's WARC-Refers-To (the earlier full capture)

    @property
    def is_revisit(self) -> bool:
        return self.refers_to is not None


@dataclass
class Archived:
    """What a killed crawl's WARCs already hold: the answers per URL (oldest first) and the ids of
    the records that already have their metadata record."""

    answers: dict[str, list[ArchivedResponse]] = field(default_factory=lambda: defaultdict(list))
    described: set[str] = field(default_factory=set)
    tls_hosts: set[str] = field(default_factory=set)  # hosts with a urn:tls-certificate: record

    def take(self, url: str) -> ArchivedResponse | None:
        """The next archived answer for ``url``, used once: a URL fetched twice before the crash
        is replayed twice, a third request goes to the network."""
        queue = self.answers.get(url)
        return queue.pop(0) if queue else None


def _answer(record, path: Path, offset: int, length: int) -> ArchivedResponse:
    headers = record.rec_headers
    status = record.http_headers.get_statuscode() if record.http_headers else None
    return ArchivedResponse(
        url=headers.get_header("WARC-Target-URI"), path=path, offset=offset, length=length,
        record_id=headers.get_header("WARC-Record-ID"), warc_date=headers.get_header("WARC-Date"),
        status=int(status) if status and str(status).isdigit() else None,
        truncated=headers.get_header("WARC-Truncated"),
        refers_to=headers.get_header("WARC-Refers-To") if record.rec_type == "revisit" else None,
    )


def read_archived(warc_paths: list[Path]) -> Archived:
    """Every response and revisit record in these (complete) WARC files, which of them a
    metadata record already describes, and the hosts whose TLS chain is already recorded."""
    archived = Archived()
    for path in sorted(warc_paths):
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type in ANSWER_TYPES:
                    answer = _answer(record, path, records.get_record_offset(),
                                     records.get_record_length())
                    archived.answers[answer.url].append(answer)
                elif record.rec_type == "metadata":
                    about = record.rec_headers.get_header("WARC-Concurrent-To")
                    if about:
                        archived.described.add(about)
                elif record.rec_type == "resource":
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    if uri.startswith(TLS_CERTIFICATE_PREFIX):
                        archived.tls_hosts.add(uri[len(TLS_CERTIFICATE_PREFIX):])
    return archived


def archived_responses(warc_paths: list[Path]) -> dict[str, ArchivedResponse]:
    """The last response (or revisit) record of every URL in these (complete) WARC files."""
    return {url: refs[-1] for url, refs in read_archived(warc_paths).answers.items() if refs}


def read_response(ref: ArchivedResponse) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """(status, protocol, headers, payload as received) of one archived response record (of a
    revisit: its headers, and an empty payload)."""
    with open(ref.path, "rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh)))
        headers = record.http_headers
        body = record.raw_stream.read()
        return int(headers.get_statuscode()), headers.protocol, list(headers.headers), body


def read_payload(record_bytes: bytes) -> bytes:
    """The payload as received of one whole (gzipped) response record, e.g. an earlier crawl's
    record read by byte range from the store: what a revisit stands for."""
    record = next(iter(ArchiveIterator(io.BytesIO(record_bytes))))
    return record.raw_stream.read()
