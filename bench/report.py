"""The bench's table and target ratios, from results.json's data (pure: dict in, text out)."""

from __future__ import annotations

import math

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


# (target, profile, numerator row, denominator row, limit, whether higher is better): wall-time ratios.
WALL_TARGETS = (
    ("real-web pages/s vs the peer (>= 5x)", "real-web", PEER, CITEWARC, 5.0, True),
    ("no latency: peer wall / citewarc wall (> 1x)", "no-latency", PEER, CITEWARC, 1.0, True),
    ("no latency: citewarc wall / ceiling wall (<= 1.25x)", "no-latency", CITEWARC, CEILING, 1.25, False),
    ("no latency: fetch + WARC wall / bare Scrapy wall (<= 1x)", "no-latency", NOEXTRACT, SCRAPY, 1.0, False),
    ("real web: fetch + WARC wall / bare Scrapy wall (<= 1x)", "real-web", NOEXTRACT, SCRAPY, 1.0, False),
)


def verdict(name: str, value: float | None, limit: float, higher_is_better: bool, unit: str = "x") -> dict:
    """One target: the measured value and met, or missed by how much (a factor)."""
    if value is None:
        return {"target": name, "value": None, "verdict": "n/a"}
    met = value >= limit if higher_is_better else value <= limit
    by = (limit / value if higher_is_better else value / limit) if value else float("inf")
    return {"target": name, "value": round(value, 3), "limit": limit, "unit": unit,
            "verdict": "met" if met else f"missed by {by:.2f}x"}


def ratios(results: dict) -> list[dict]:
    """Issue 10's targets, each with the measured value and met or missed by how much."""
    out = []
    for name, profile, top, bottom, limit, higher in WALL_TARGETS:
        a, b = median(results, profile, top, "wall"), median(results, profile, bottom, "wall")
        out.append(verdict(name, a / b if a and b else None, limit, higher))
    cpu = median(results, "no-latency", CITEWARC, "cpu")
    ceiling = median(results, "no-latency", CEILING, "cpu")
    outside = (cpu - ceiling) / results["pages"] * 1000 if cpu and ceiling else None
    out.append(verdict("CPU ms per page outside extraction (<= 10)", outside, 10.0, False, "ms"))
    small, big = results.get("rss_1k"), results.get("rss_big")
    out.append(verdict(f"peak RSS {big['pages'] if big else 10000} / 1000 pages (<= 1.2x)",
                       big["maxrss_mb"] / small["maxrss_mb"] if small and big else None, 1.2, False))
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
    scale = results["scale"] = scale_on_paper(results)
    if scale:
        a = scale["assumptions"]
        parts.append(
            f"\nscale on paper: {scale['cpu_s_per_page'] * 1000:.0f} CPU ms/page "
            f"({scale['cpu_s_outside_extraction_per_page'] * 1000:.0f} outside extraction); "
            f"one {a['cores']}-core "
            f"machine at {a['utilisation']:.0%}: {scale['pages_per_day_cpu_bound']:,} pages/day CPU-bound, "
            f"{scale['pages_per_day_at_real_web_rate']:,} at the measured real-web rate; "
            f"{scale['stories_per_machine_per_day']:,} stories/day with "
            f"{a['citations_per_story']} citations and "
            f"{a['requisites_per_page']} requisites a page: {scale['machines_for_newsroom']} machine(s) "
            f"for {a['stories_per_day']:,} stories/day"
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


def scale_on_paper(
    results: dict, stories: int = 10_000, citations: int = 15, requisites: int = 40, utilisation: float = 0.7
) -> dict | None:
    """Issue 10 item 5: what one 2-core machine sustains per day, and workers for a newsroom.

    Assumptions (stated in the README): each story cites ``citations`` pages (depth 1), every page
    brings ``requisites`` images/CSS/JS that cost what a page costs outside extraction (fetch, WARC,
    bookkeeping; no parse), and a machine is kept ``utilisation`` busy. CPU per page is the
    no-latency citewarc row; the real-web row gives the network-bound rate for comparison.
    """
    pages = results["pages"]
    cpu = median(results, "no-latency", CITEWARC, "cpu")
    ceiling = median(results, "no-latency", CEILING, "cpu")
    real_wall = median(results, "real-web", CITEWARC, "wall")
    if not cpu or not ceiling or not real_wall:
        return None
    per_page, outside = cpu / pages, max(cpu - ceiling, 0) / pages
    cores = results.get("cores") or 2
    day = 86_400 * utilisation
    cpu_pages_per_day = cores * day / per_page
    network_pages_per_day = pages / real_wall * day
    story_cpu = (1 + citations) * (per_page + requisites * outside)
    stories_per_machine = cores * day / story_cpu
    return {
        "cpu_s_per_page": round(per_page, 4),
        "cpu_s_outside_extraction_per_page": round(outside, 4),
        "pages_per_day_cpu_bound": round(cpu_pages_per_day),
        "pages_per_day_at_real_web_rate": round(network_pages_per_day),
        "cpu_s_per_story_with_citations_and_requisites": round(story_cpu, 2),
        "stories_per_machine_per_day": round(stories_per_machine),
        "machines_for_newsroom": math.ceil(stories / stories_per_machine),
        "assumptions": {
            "stories_per_day": stories,
            "citations_per_story": citations,
            "requisites_per_page": requisites,
            "utilisation": utilisation,
            "cores": cores,
        },
        "peak_rss_mb_1k": (results.get("rss_1k") or {}).get("maxrss_mb"),
    }
