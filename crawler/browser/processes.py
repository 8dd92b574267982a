"""Chromium processes this crawl started: found by parentage in /proc, so none outlives the crawl.

Playwright closes the browser it launched; a browser that hangs or half-dies (a renderer stuck, the
browser process killed while its helpers live on) is ended here with SIGKILL, by process id, never
by name: another program's Chromium on the same machine is none of our business.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def parent_pids(proc: Path = Path("/proc")) -> dict[int, int]:
    """pid -> parent pid of every process visible in ``proc``."""
    parents: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int, parents: dict[int, int]) -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def program(pid: int, proc: Path = Path("/proc")) -> str:
    """The base name of the program ``pid`` runs ("" when it is gone)."""
    try:
        argv0 = (proc / str(pid) / "cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return ""
    return os.path.basename(argv0.decode("utf-8", "replace"))


def is_chromium(name: str) -> bool:
    return "chrom" in name or name.startswith("headless_shell")


def is_driver(name: str) -> bool:
    """Playwright's driver: the node process its Python package starts."""
    return name in {"node", "playwright.sh"}


def kill_browsers_below(pid: int | None = None, driver_too: bool = True) -> list[int]:
    """SIGKILL every Chromium process (and Playwright's driver unless ``driver_too`` is off)
    descended from ``pid`` (this process by default); the ids killed."""
    me = os.getpid() if pid is None else pid
    killed = []
    for child in descendants(me, parent_pids()):
        name = program(child)
        if is_chromium(name) or (driver_too and is_driver(name)):
            try:
                os.kill(child, signal.SIGKILL)
                killed.append(child)
            except ProcessLookupError:
                pass
    return killed
