"""Settings for tests/integration/test_limits.py: settings.test with a short download timeout.

DOWNLOAD_TIMEOUT is Scrapy's own setting (no CITEWARC_ alias), so the tests select this module
with CITEWARC_SETTINGS; the CITEWARC_MAX_* limits they set through the environment.
"""

from settings.test import *  # noqa: F403

DOWNLOAD_TIMEOUT = 2
