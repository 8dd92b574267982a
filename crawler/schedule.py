"""Pure schedule logic for ``citewarc cron``: a period -> the five crontab time fields, the absolute
command that starts citewarc, and quoting for a crontab line."""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import UsageError

EVERY_RE = re.compile(r"^(\d+)([mhd])$")
EVERY_HELP = "use Nm with N dividing 60 (15m), Nh with N dividing 24 (6h), or 1d"


@dataclass(frozen=True)
class Schedule:
    every: str
    fields: str  # the five cron time fields


def _spread(name: str) -> int:
    """A stable number from the job name (not Python's per-process ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def schedule(every: str, job_name: str) -> Schedule:
    """``15m`` -> ``7,22,37,52 * * * *``; ``6h`` -> ``41 3,9,15,21 * * *``; ``1d`` -> ``41 3 * * *``.

    The minute (and the hour within the period) come from the job name: stable, and spread out.
    """
    match = EVERY_RE.match(every.strip().lower())
    if not match:
        raise UsageError(f"--every {every!r}: {EVERY_HELP}")
    n, unit = int(match.group(1)), match.group(2)
    spread = _spread(job_name)
    if unit == "m" and n == 60:
        n, unit = 1, "h"
    if unit == "h" and n == 24:
        n, unit = 1, "d"
    if unit == "m":
        if n < 1 or 60 % n:
            raise UsageError(f"--every {every!r}: minutes must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, "
                             f"15, 20, 30); {EVERY_HELP}")
        if n == 1:
            return Schedule(f"{n}m", "* * * * *")
        first = spread % n
        return Schedule(f"{n}m", f"{','.join(str(m) for m in range(first, 60, n))} * * * *")
    minute = spread % 60
    if unit == "h":
        if n < 1 or 24 % n:
            raise UsageError(f"--every {every!r}: hours must divide 24 (1, 2, 3, 4, 6, 8, 12); "
                             f"{EVERY_HELP}")
        if n == 1:
            return Schedule("1h", f"{minute} * * * *")
        first = (spread // 60) % n
        return Schedule(f"{n}h", f"{minute} {','.join(str(h) for h in range(first, 24, n))} * * *")
    if n != 1:
        raise UsageError(f"--every {every!r}: {EVERY_HELP}")
    return Schedule("1d", f"{minute} {(spread // 60) % 24} * * *")


def citewarc_executable() -> list[str]:
    """The absolute command that starts citewarc (cron's PATH knows nothing of virtualenvs)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "citewarc":
        found = argv0 if argv0.parent != Path() else Path(shutil.which("citewarc") or argv0)
        if found.is_file():
            return [str(found.absolute())]
    beside_python = Path(sys.executable).with_name("citewarc")
    if beside_python.is_file():
        return [str(beside_python.absolute())]
    checkout = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "citewarc"
    if checkout.is_file():
        return [str(checkout)]
    # No console script: the module itself, through this very interpreter (not resolved: a
    # virtualenv's python is a symlink, and resolving it would leave the virtualenv).
    return [str(Path(sys.executable).absolute()), "-m", "crawler.cli"]


def cron_quote(text: str) -> str:
    """Shell-quote for the crontab: cron turns an unescaped % into a newline."""
    return shlex.quote(text).replace("%", "\\%")
