"""The provenance of a crawl read back from its WARCs: what a finalizer that did not run the
capture (a distributed crawl's) can still say.

Every worker's WARC files carry the static provenance in their ``warcinfo`` (software, operator,
user agent, capture settings), the address that answered in each response's ``WARC-IP-Address``
and one ``urn:tls-certificate:<host>`` record per host; this gathers them into the same shape as
``build_provenance`` makes, hosts merged across workers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from pipelines.evidence.provenance import PROVENANCE_FORMAT, iso, merge_hosts, pem_sha256
from pipelines.warc.records import PROVENANCE_URI, TLS_CERTIFICATE_PREFIX

_ANSWERS = ("response", "revisit")


def warcinfo_static(fields: dict[str, str]) -> dict[str, Any]:
    """The static provenance from a warcinfo's fields (``warcinfo_fields`` read back)."""
    software = {k[len("software-"):]: v for k, v in fields.items() if k.startswith("software-")}
    try:
        settings = json.loads(fields.get("citewarc-capture-settings") or "{}")
    except ValueError:
        settings = {}
    return {"software": software, "operator": fields.get("operator"),
            "user_agent": fields.get("http-header-user-agent"), "capture_settings": settings}


def _fields(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() not in out:
            out[name.strip()] = value.strip()
    return out


def tls_summary(record: Any) -> dict[str, Any]:
    """The hosts entry's ``tls`` from a ``urn:tls-certificate:`` record (headers and PEMs)."""
    headers = record.rec_headers
    pems = [b + "-----END CERTIFICATE-----\n"
            for b in record.content_stream().read().decode("ascii").split("-----END CERTIFICATE-----")
            if "BEGIN CERTIFICATE" in b]
    verified_field = headers.get_header("WARC-Citewarc-TLS-Verified") or ""
    verified, _, problem = verified_field.partition(";")
    port = headers.get_header("WARC-Citewarc-TLS-Port")
    return {"port": int(port) if port and port.isdigit() else None,
            "peer_ip": headers.get_header("WARC-IP-Address"),
            "chain_sha256": [pem_sha256(p.strip() + "\n") for p in pems],
            "verified": {"true": True, "false": False}.get(verified.strip()),
            "problem": problem.strip() or None,
            "record": headers.get_header("WARC-Target-URI")}


def provenance_from_warcs(warcs: Iterable[Path], crawl_id: str, crawl_started: datetime,
                          ended: datetime) -> dict[str, Any]:
    """The crawl's provenance from its WARC files: the first warcinfo's static part, every
    answering IP per host, every TLS record, and the runs' own provenance records."""
    static: dict[str, Any] | None = None
    ips: dict[str, set[str]] = {}
    tls: dict[str, dict[str, Any]] = {}
    runs: list[dict[str, Any]] = []
    for path in sorted(warcs):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                kind, uri = record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or ""
                if kind == "warcinfo" and static is None:
                    static = warcinfo_static(_fields(record.content_stream().read().decode("utf-8")))
                elif kind in _ANSWERS:
                    host = (urlsplit(uri).hostname or "").lower()
                    ip = record.rec_headers.get_header("WARC-IP-Address")
                    if host:
                        ips.setdefault(host, set()).update([ip] if ip else [])
                elif kind == "resource" and uri.startswith(TLS_CERTIFICATE_PREFIX):
                    tls.setdefault(uri[len(TLS_CERTIFICATE_PREFIX):], tls_summary(record))
                elif kind == "resource" and uri == PROVENANCE_URI:
                    try:
                        runs.append(json.loads(record.content_stream().read()))
                    except ValueError:
                        pass
    answered = {h: {"ips": sorted(a), "tls": tls.get(h)} for h, a in ips.items()}
    only_tls = {h: {"ips": [], "tls": t} for h, t in tls.items() if h not in ips}
    hosts = merge_hosts([answered, only_tls, *(r.get("hosts") or {} for r in runs)])
    out: dict[str, Any] = {"format": PROVENANCE_FORMAT, "crawl_id": crawl_id}
    out.update(static or {"software": {}, "operator": None, "user_agent": None,
                          "capture_settings": {}})
    out["crawl_started"] = iso(crawl_started)
    out["run_ended"] = iso(ended)
    out["hosts"] = hosts
    out["read_from"] = "the crawl's WARC files (warcinfo, responses, TLS and provenance records)"
    return out
