"""Settings for the politeness tests: settings.test with a per-host limit of 2, so what a host sees
at once can be counted (tests/servers/slow_server.py ``most_active``)."""

from settings.test import *  # noqa: F403

CONCURRENT_REQUESTS_PER_DOMAIN = 2
