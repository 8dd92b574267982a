"""A SeaweedFS (``weed mini``) for the S3 row of the bench, started as the tests start theirs
(tests/servers/seaweed.py explains each flag); None when no ``weed`` binary is installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

# Every port weed mini opens, set explicitly (its defaults collide): master.port, master.port.grpc, ...
PORT_FLAGS = tuple(f"{service}.port{grpc}" for service in ("master", "volume", "filer", "s3", "admin")
                   for grpc in ("", ".grpc"))
KEYS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


def _ports(count: int) -> list[int]:
    held = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [s.getsockname()[1] for s in held]
    for s in held:
        s.close()
    return ports


def start_weed(folder: Path, bucket: str) -> tuple[subprocess.Popen, dict[str, str]] | None:
    """Start weed in ``folder`` with ``bucket`` made; the process and the env a client needs."""
    weed = weed_binary()
    if not weed:
        return None
    ports = dict(zip(PORT_FLAGS, _ports(len(PORT_FLAGS)), strict=True))
    (folder / "data").mkdir(parents=True, exist_ok=True)
    options = {"dir": folder / "data", "ip": "127.0.0.1", "ip.bind": "127.0.0.1", **ports,
               "admin.ui": "false", "webdav": "false", "s3.port.iceberg": 0, "s3.port.lance": 0,
               "master.telemetry": "false", "s3.localSocket": folder / "s3.sock",
               "filer.localSocket": folder / "filer.sock"}
    cmd = [weed, "mini", *(f"-{name}={value}" for name, value in options.items())]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with open(folder / "weed.log", "ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**env, **KEYS}, start_new_session=True
        )
    client_env = {**KEYS, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['s3.port']}"}
    client = s3_client(client_env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            client.create_bucket(Bucket=bucket)
            return proc, client_env
        except Exception:  # not up yet
            time.sleep(0.3)
    proc.kill()
    return None


def s3_client(env: dict[str, str]):
    """A boto3 client for the bench's weed, configured as citewarc's (checksums only when required)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        config=Config(request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required"))
