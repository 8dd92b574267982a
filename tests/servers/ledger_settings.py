"""Settings for crawls of the ledger story: the test settings, with a download timeout short enough
that its slow source times out in seconds (tests/servers/ledger_web.py holds it for 20)."""

from settings.test import *  # noqa: F403

DOWNLOAD_TIMEOUT = 3
