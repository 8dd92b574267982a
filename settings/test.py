"""Settings for the test suite: the fixture web is local, so no politeness delays."""

from settings.base import *  # noqa: F403

AUTOTHROTTLE_ENABLED = False
CITEWARC_EXTRACT_WORKERS = 2
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 15
RETRY_TIMES = 1
