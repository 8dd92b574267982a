"""``citewarc report``'s table: every citation's line, and nothing from the crawl reaches the
terminal as markup or control characters."""

from __future__ import annotations

from crawler.commands.report import archives_cell, print_table


def ledger(title: str, anchor_url: str) -> dict:
    return {"archive_lookups": {"enabled": False, "note": "turned off"}, "stories": [{
        "url": "http://news.test/s", "title": title, "captured_at": "2026-03-01T12:00:00Z",
        "published": "2026-02-01", "citations": [
            {"n": 1, "url": anchor_url, "final_url": anchor_url, "status": 200, "error": None,
             "fate": "live", "archives": []},
            {"n": 2, "url": "http://a.test/old", "final_url": "http://b.test/new", "status": 200,
             "error": None, "fate": "moved", "archives": [
                 {"archive": "wayback", "ok": True, "mementos": 3, "text_match": "differs"},
                 {"archive": "archive.today", "ok": False, "error": "connection refused"}]},
            {"n": 3, "url": "http://a.test/x", "final_url": None, "status": None,
             "error": "timed out after 3 s", "fate": "timeout", "archives": []},
        ]}]}


def test_table_lists_every_citation(capsys):
    print_table(ledger("A story", "http://a.test/1"))
    out = capsys.readouterr().out
    for text in ("A story", "http://a.test/1", "live", "moved", "-> http://b.test/new", "timeout",
                 "timed out after 3 s", "wayback: 3 (text differs)", "archive.today: connection refused",
                 "3 citation(s): 1 live, 1 moved, 1 timeout; archives: turned off"):
        assert text in out, (text, out)


def test_hostile_values_stay_text(capsys):
    print_table(ledger("[bold red]x[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J title", "http://a.test/[blink]y[/blink]"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "[bold red]x[/]" in out and "[blink]y[/blink]" in out


def test_archives_cell():
    assert archives_cell([]) == "-"
    assert archives_cell([{"archive": "w", "ok": True, "mementos": 0, "text_match": "unknown"}]) == "w: 0"


def test_evidence_line_says_who_signed_and_when_or_that_it_is_unsigned():
    from crawler.report import evidence_line

    assert evidence_line(None).startswith("Unsigned")
    signed = {"signed": True, "fingerprint": "ab" * 32, "signed_at": "2026-11-30T19:00:00Z",
              "timestamp": {"status": "stamped", "gen_time": "2026-11-30T19:00:01Z", "tsa": "CN=TSA"}}
    assert evidence_line(signed) == (f"Signed by key {'ab' * 32} at 2026-11-30T19:00:00Z; "
                                     "timestamped 2026-11-30T19:00:01Z by CN=TSA")
    pending = {"signed": False, "timestamp": {"status": "pending"}}
    assert "timestamp pending" in evidence_line(pending)
    assert evidence_line({"signed": False}).endswith("; no trusted timestamp")
