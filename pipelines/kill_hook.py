"""Test hook, inert by default: die by SIGKILL right after the Nth WARC record is written.

Resume must be exact wherever a crash lands; a test proves it by killing a crawl after each of its
first records. Polling the ``.open`` file from outside races the crawler, so the crawler kills
itself, deterministically, when ``CITEWARC_TEST_KILL_AFTER_RECORDS=N`` is set in its environment
(N counts the records this process wrote through the crawl run, warcinfo records not included).
Unset, nothing happens.
"""

from __future__ import annotations

import os
import signal
import threading

KILL_ENV = "CITEWARC_TEST_KILL_AFTER_RECORDS"


class KillSwitch:
    def __init__(self, after: int | None) -> None:
        self.after = after
        self.written = 0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls) -> KillSwitch:
        value = os.environ.get(KILL_ENV, "").strip()
        return cls(int(value) if value.isdigit() and int(value) > 0 else None)

    def count(self, records: int) -> None:
        """Call after ``records`` records were flushed; kills this process once N is reached."""
        if self.after is None:
            return
        with self._lock:
            self.written += records
            if self.written >= self.after:
                os.kill(os.getpid(), signal.SIGKILL)
