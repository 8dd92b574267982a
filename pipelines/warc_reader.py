"""Read back what a crawl already archived (for --resume: a page whose response is in a WARC
is taken from there, not fetched a second time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator


@dataclass(frozen=True)
class ArchivedResponse:
    url: str
    path: Path
    offset: int
    length: int
    record_id: str
    warc_date: str
    status: int | None


def archived_responses(warc_paths: list[Path]) -> dict[str, ArchivedResponse]:
    """The last response record of every URL in these (complete) WARC files."""
    found: dict[str, ArchivedResponse] = {}
    for path in sorted(warc_paths):
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = record.http_headers.get_statuscode() if record.http_headers else None
                found[url] = ArchivedResponse(
                    url=url, path=path, offset=records.get_record_offset(),
                    length=records.get_record_length(),
                    record_id=record.rec_headers.get_header("WARC-Record-ID"),
                    warc_date=record.rec_headers.get_header("WARC-Date"),
                    status=int(status) if status and str(status).isdigit() else None,
                )
    return found


def read_response(ref: ArchivedResponse) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """(status, protocol, headers, payload as received) of one archived response record."""
    with open(ref.path, "rb") as fh:
        fh.seek(ref.offset)
        record = next(iter(ArchiveIterator(fh)))
        headers = record.http_headers
        body = record.raw_stream.read()
        return int(headers.get_statuscode()), headers.protocol, list(headers.headers), body
