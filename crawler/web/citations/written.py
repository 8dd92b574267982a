"""Citations written out in the text rather than linked: URLs ("Source: http://...") and DOIs.

A DOI (``10.1038/nphys1170``, ``doi:10.1000/182``) becomes its resolver URL
``https://doi.org/<doi>``; a DOI that is part of a URL written out is that URL's, not a second
citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"'`\]\[{}|\\^]+", re.I)
# Crossref's pattern for modern DOIs: 10.<4-9 digit registrant>/<suffix>.
_DOI = re.compile(r"\b(10\.\d{4,9}/[-._;()/:A-Za-z0-9<>\[\]]+)")
_TRAILING = ".,;:!?)'\"»”’>]"


@dataclass(frozen=True)
class WrittenReference:
    """A URL or DOI written in a line of the text."""

    url: str  # the URL written, or https://doi.org/<doi>
    kind: str  # "text" (a URL) or "doi"
    written: str  # as it appears in the text
    line: str  # the line it appears in (its context)


def _trim(candidate: str) -> str:
    while candidate and candidate[-1] in _TRAILING:
        closing = {")": "(", "]": "["}.get(candidate[-1])
        if closing and candidate.count(closing) >= candidate.count(candidate[-1]):
            break
        candidate = candidate[:-1]
    return candidate


def bare_urls(text: str) -> list[str]:
    """URLs written out in the text, trailing punctuation removed."""
    return [_trim(match.group(0)) for match in _BARE_URL.finditer(text)]


def doi_url(doi: str) -> str:
    return "https://doi.org/" + doi


def written_references(text: str) -> list[WrittenReference]:
    """Every URL and DOI written in the text, in reading order, each with its line."""
    found: list[WrittenReference] = []
    for line in text.splitlines():
        if "http" not in line and "10." not in line:
            continue  # most lines: no regex work
        in_line: list[tuple[int, WrittenReference]] = []
        spans = []
        for match in _BARE_URL.finditer(line):
            url = _trim(match.group(0))
            spans.append((match.start(), match.start() + len(url)))
            in_line.append((match.start(), WrittenReference(url, "text", url, line)))
        for match in _DOI.finditer(line):
            if any(start <= match.start() < end for start, end in spans):
                continue  # inside a URL written out
            doi = _trim(match.group(1))
            in_line.append((match.start(), WrittenReference(doi_url(doi), "doi", doi, line)))
        found.extend(ref for _, ref in sorted(in_line, key=lambda pair: pair[0]))
    return found
