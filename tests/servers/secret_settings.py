"""Test settings with a configured credential header (tests/integration/test_secrets.py)."""

from settings.test import *  # noqa: F403
from settings.test import DEFAULT_REQUEST_HEADERS

TEST_TOKEN = "citewarc-test-token-93f1c07d"
DEFAULT_REQUEST_HEADERS = {**DEFAULT_REQUEST_HEADERS, "Authorization": f"Bearer {TEST_TOKEN}"}
