"""Links to archived copies (the Wayback Machine, archive.today) and the URL each one archives.

A citation to an archived copy is recorded with the original it stands for when the link says
it: ``web.archive.org/web/<timestamp>/<url>`` and ``archive.ph/<timestamp>/<url>`` do;
archive.today's short ids (``archive.ph/AbC12``) do not, and that is recorded as such.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_WAYBACK_HOSTS = {"web.archive.org", "wayback.archive.org", "archive.org", "www.archive.org"}
_ARCHIVE_TODAY = re.compile(r"^(www\.)?archive\.(today|ph|is|li|vn|fo|md)$", re.I)
# /web/<14-digit timestamp with an optional modifier such as id_ or im_>/<original>
_WAYBACK_PATH = re.compile(r"^/web/(\d{1,14}|\*)([a-z]{2}_)?/(.+)$", re.I)
# archive.today: /<yyyy.mm.dd-hhmmss>/<original>, /newest/<original>, /oldest/<original>, /<original>
_TODAY_PATH = re.compile(r"^/(?:(?:\d{4}\.\d\d\.\d\d-\d{6}|\d{14}|newest|oldest|timegate|timemap)/)?"
                         r"(https?:/.+)$", re.I)
_SHORT_ID = re.compile(r"^/[A-Za-z0-9]{4,10}/?$")
NO_ORIGINAL = "archive.today short id: the link does not name the page it archives"


def is_archive(url: str) -> bool:
    """Whether ``url`` is a copy held by a web archive (Wayback Machine or archive.today)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _WAYBACK_HOSTS:
        return bool(_WAYBACK_PATH.match(parts.path))
    return bool(_ARCHIVE_TODAY.match(host)) and (
        bool(_TODAY_PATH.match(_path_and_query(url))) or bool(_SHORT_ID.match(parts.path))
    )


def archived_original(url: str) -> str | None:
    """The URL an archive link archives, or None when the link does not say (a short id)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    rest = _path_and_query(url)
    if host in _WAYBACK_HOSTS:
        match = _WAYBACK_PATH.match(rest)
        original = match.group(3) if match else None
    elif _ARCHIVE_TODAY.match(host):
        match = _TODAY_PATH.match(rest)
        original = match.group(1) if match else None
    else:
        return None
    if original is None:
        return None
    original = re.sub(r"^(https?):/+", r"\1://", original, flags=re.I)  # archives squash "//"
    if not re.match(r"^https?://", original, re.I):
        original = "http://" + original  # web.archive.org/web/2020/example.com/x
    return original


def _path_and_query(url: str) -> str:
    """Path, query kept: the archived URL carries its own query string (``/web/2020/x.com/?a=1``)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
