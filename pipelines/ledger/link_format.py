"""RFC 6690 link-format and RFC 8288 ``Link`` header values: ``<uri>; name="value"; ..., <uri>; ...``.

Memento (RFC 7089) speaks it twice: a TimeMap body is one long link-format document, and every
TimeGate and memento answer carries the same grammar in its ``Link`` header. Commas and semicolons
also appear inside URIs (``<...?a=1,2>``) and quoted values (``datetime="Sat, 10 Jan 2026 ..."``),
so the text is read character by character rather than split, and a malformed entry is skipped
instead of ending the parse (archives in the wild are not all careful).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    """One link: its target and its parameters (names lower-cased, values unquoted)."""

    uri: str
    params: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def rels(self) -> tuple[str, ...]:
        """The relation types, lower-cased: ``rel="first memento"`` is ``("first", "memento")``."""
        return tuple(self.params.get("rel", "").lower().split())


def parse_links(text: str) -> list[Link]:
    """Every ``<uri>; params`` entry of a link-format document or a ``Link`` header value."""
    links: list[Link] = []
    i, n = 0, len(text)
    while i < n:
        start = text.find("<", i)
        if start < 0:
            break
        end = text.find(">", start + 1)
        if end < 0:
            break
        uri = text[start + 1:end].strip()
        params, i = _params(text, end + 1)
        if uri:
            links.append(Link(uri, params))
    return links


def _params(text: str, i: int) -> tuple[dict[str, str], int]:
    """The ``; name=value`` parameters after a ``<uri>``, up to the comma that ends the entry."""
    params: dict[str, str] = {}
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == ",":
            return params, i + 1
        if text[i] == "<":  # a missing comma: the next entry starts here
            return params, i
        if text[i] != ";":  # stray text: skip to the next separator
            i += 1
            continue
        i += 1
        name_start = i
        while i < n and text[i] not in "=;,<":
            i += 1
        name = text[name_start:i].strip().lower()
        value = ""
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i] in " \t":
                i += 1
            if i < n and text[i] == '"':
                value, i = _quoted(text, i + 1)
            else:
                value_start = i
                while i < n and text[i] not in ";,":
                    i += 1
                value = text[value_start:i].strip()
        if name and name not in params:  # RFC 8288: the first occurrence of a parameter wins
            params[name] = value
    return params, i


def _quoted(text: str, i: int) -> tuple[str, int]:
    """A quoted-string's value (backslash escapes undone) and the index after its closing quote."""
    out: list[str] = []
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    return "".join(out), i
