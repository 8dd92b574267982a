"""Test hook, inert by default: die by SIGKILL right after the Nth WARC record is written.

Resume must be exact wherever a crash lands; a test proves it by killing a crawl after each of its
first records. Polling the ``.open`` file from outside races the crawler, so the crawler kills
itself, deterministically, when ``CITEWARC_TEST_KILL_AFTER_RECORDS=N`` is set in its environment
(N counts the records this process wrote through the crawl run, warcinfo records not included).
With ``CITEWARC_TEST_KILL_RECORD_TYPE=revisit`` (any WARC record type) only records of that type
count: pages fetched concurrently are written in a varying order, so "right after the 2nd revisit
record" is a kill point no record index names reliably. ``CITEWARC_TEST_KILL_AT=NAME`` kills it at
a named point of its end instead (see ``kill_at``). Unset, nothing happens.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence

KILL_ENV = "CITEWARC_TEST_KILL_AFTER_RECORDS"
KILL_TYPE_ENV = "CITEWARC_TEST_KILL_RECORD_TYPE"
KILL_AT_ENV = "CITEWARC_TEST_KILL_AT"


def kill_at(point: str) -> None:
    """Die by SIGKILL here if ``CITEWARC_TEST_KILL_AT`` names this point (e.g.
    ``before_state_saved``: the crawl is stored, its job state not yet saved). Unset, nothing."""
    if os.environ.get(KILL_AT_ENV, "").strip() == point:
        os.kill(os.getpid(), signal.SIGKILL)


class KillSwitch:
    def __init__(self, after: int | None, record_type: str | None = None) -> None:
        self.after = after
        self.record_type = record_type
        self.written = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> KillSwitch:
        value = os.environ.get(KILL_ENV, "").strip()
        record_type = os.environ.get(KILL_TYPE_ENV, "").strip() or None
        return cls(int(value) if value.isdigit() and int(value) > 0 else None, record_type)

    def count(self, records: Sequence[object]) -> None:
        """Call after ``records`` (warcio records) were flushed; kills this process once N is
        reached. Records written together (a response and its request) die together."""
        if self.after is None:
            return
        counted = [r for r in records
                   if self.record_type is None or getattr(r, "rec_type", None) == self.record_type]
        with self._lock:
            self.written += len(counted)
            if self.written >= self.after:
                os.kill(os.getpid(), signal.SIGKILL)
