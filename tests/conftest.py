# --- S3 (SeaweedFS) fixtures: s3_server, s3_bucket -------------------------------------------
from tests.servers.s3_fixtures import *  # noqa: F403
