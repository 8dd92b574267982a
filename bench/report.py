"""The bench's table and target ratios, from results.json's data (pure: dict in, text out)."""

from __future__ import annotations

from bench.measure import spread

ROWS = (
    "citewarc (local store)",
    "citewarc (SeaweedFS S3)",
    "citewarc, extraction off (fetch + WARC)",
    "bare Scrapy",
    "wget + trafilatura (2 processes)",
    "trafilatura alone (2 processes)",
)
CITEWARC, NOEXTRACT, SCRAPY = ROWS[0], ROWS[2], ROWS[3]
PEER, CEILING = ROWS[4], ROWS[5]


def median(results: dict, profile: str, row: str, field: str) -> float | None:
    samples = results.get("profiles", {}).get(profile, {}).get(row)
    if not samples or any(s["note"].startswith("n/a") for s in samples):
        return None
    return spread([s[field] for s in samples]).median


def table(results: dict) -> str:
    pages = results["pages"]
    lines = [
        f"N = {pages} pages over {results['hosts']} hosts, {results['reps']} repetitions, "
        f"{results['cores']} cores; medians (min–max)",
        "",
        "| profile | contender | wall s | pages/s | CPU-s | CPU ms/page | peak RSS MB | server CPU-s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for profile, rows in results.get("profiles", {}).items():
        for row in ROWS:
            samples = rows.get(row)
            if not samples:
                continue
            notes = {s["note"] for s in samples if s["note"]}
            notes |= {f"only {s['pages_ok']} pages fetched" for s in samples if 0 < s["pages_ok"] < pages}
            if any(n.startswith("n/a") for n in notes):
                lines.append(f"| {profile} | {row} | {'; '.join(sorted(notes))} | | | | | |")
                continue
            wall, cpu = spread([s["wall"] for s in samples]), spread([s["cpu"] for s in samples])
            rss, served = (
                spread([s["maxrss_mb"] for s in samples]),
                spread([s["server_cpu"] for s in samples]),
            )
            flag = f" ({'; '.join(sorted(notes))})" if notes else ""
            lines.append(
                f"| {profile} | {row}{flag} | {wall.show()} | {pages / wall.median:.1f} | {cpu.show()} | "
                f"{cpu.median / pages * 1000:.0f} | {rss.show(0)} | {served.median:.1f} |"
            )
    return "\n".join(lines)


def ratios(results: dict) -> list[dict]:
    """Issue 10's targets, each with the measured value and met or missed by how much."""
    pages = results["pages"]
    m = lambda p, r, f="wall": median(results, p, r, f)  # noqa: E731
    out = []

    def target(name: str, value: float | None, limit: float, higher_is_better: bool, unit: str = "x") -> None:
        if value is None:
            out.append({"target": name, "value": None, "verdict": "n/a"})
            return
        met = value >= limit if higher_is_better else value <= limit
        by = (limit / value if higher_is_better else value / limit) if value else float("inf")
        verdict = "met" if met else f"missed by {by:.2f}x"
        out.append(
            {"target": name, "value": round(value, 3), "limit": limit, "unit": unit, "verdict": verdict}
        )

    real_cw, real_peer = m("real-web", CITEWARC), m("real-web", PEER)
    target(
        "real-web pages/s vs the peer (>= 5x)",
        real_peer / real_cw if real_cw and real_peer else None,
        5.0,
        True,
    )
    fast_cw, fast_peer, fast_ceiling = (
        m("no-latency", CITEWARC),
        m("no-latency", PEER),
        m("no-latency", CEILING),
    )
    target(
        "no latency: peer wall / citewarc wall (> 1x)",
        fast_peer / fast_cw if fast_cw and fast_peer else None,
        1.0,
        True,
    )
    target(
        "no latency: citewarc wall / ceiling wall (<= 1.25x)",
        fast_cw / fast_ceiling if fast_cw and fast_ceiling else None,
        1.25,
        False,
    )
    cw_cpu, ceiling_cpu = m("no-latency", CITEWARC, "cpu"), m("no-latency", CEILING, "cpu")
    target(
        "CPU ms per page outside extraction (<= 10)",
        (cw_cpu - ceiling_cpu) / pages * 1000 if cw_cpu and ceiling_cpu else None,
        10.0,
        False,
        "ms",
    )
    small, big = results.get("rss_1k"), results.get("rss_big")
    target(
        f"peak RSS {big['pages'] if big else 10000} / 1000 pages (<= 1.2x)",
        big["maxrss_mb"] / small["maxrss_mb"] if small and big else None,
        1.2,
        False,
    )
    noext, scrapy = m("no-latency", NOEXTRACT), m("no-latency", SCRAPY)
    target(
        "no latency: fetch + WARC wall / bare Scrapy wall (<= 1x)",
        noext / scrapy if noext and scrapy else None,
        1.0,
        False,
    )
    noext, scrapy = m("real-web", NOEXTRACT), m("real-web", SCRAPY)
    target(
        "real web: fetch + WARC wall / bare Scrapy wall (<= 1x)",
        noext / scrapy if noext and scrapy else None,
        1.0,
        False,
    )
    return out


def render(results: dict) -> str:
    parts = ["", table(results), "", "| target | measured | verdict |", "|---|---|---|"]
    results["ratios"] = ratios(results)
    for r in results["ratios"]:
        value = "n/a" if r["value"] is None else f"{r['value']:.2f}{' ms' if r.get('unit') == 'ms' else 'x'}"
        parts.append(f"| {r['target']} | {value} | {r['verdict']} |")
    for key in ("rss_1k", "rss_big"):
        if results.get(key):
            r = results[key]
            parts.append(
                f"\npeak RSS of citewarc's crawl process at {r['pages']} pages: {r['maxrss_mb']:.0f} MB "
                f"({r['cpu'] / r['pages'] * 1000:.0f} CPU ms/page, {r['wall']:.0f} s)"
            )
    cal = results.get("calibration")
    if cal:
        parts.append(
            f"\ncalibration: trafilatura {cal['synthetic']['median_ms']:.1f} ms/page median on the corpus, "
            f"{cal['real']['median_ms']:.1f} on real pages: ratio {cal['ratio_median']:.2f} "
            f"(means {cal['synthetic']['mean_ms']:.1f} / {cal['real']['mean_ms']:.1f}: "
            f"{cal['ratio_mean']:.2f})"
        )
    for key, title in (("profile_crawl", "crawl process"), ("profile_extraction", "one extraction worker")):
        if results.get(key):
            parts += [
                f"\ncProfile, {title}, top by cumulative time:",
                "| cumtime s | tottime s | calls | function |",
                "|---|---|---|---|",
            ]
            parts += [
                f"| {r['cumtime']} | {r['tottime']} | {r['calls']} | {r['function']} |" for r in results[key]
            ]
    return "\n".join(parts)
