"""Real local storage servers for the state backends: gcp-storage-emulator and azurite.

moto (S3) comes from the `aws`/`boto` fixtures in tests/conftest.py; the http and HCP Terraform
fakes live in tests/support.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import uuid4

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
AZURITE_SKIP_REASON = (
    "azurite not installed: run `make tools` (npm ci from tools/package-lock.json; "
    "make test does this when npm is available)"
)
AZURITE_READY = "successfully listens on http://"
AZURITE_START_TIMEOUT = 30.0
# The well-known development account every Azure Storage emulator accepts.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


def state(lineage: str, serial: int = 1) -> bytes:
    """A small, valid v4 state; ``lineage`` tells states apart in assertions."""
    document = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": serial,
        "lineage": lineage,
        "outputs": {},
        "resources": [],
    }
    return json.dumps(document).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- GCS: gcp-storage-emulator, in-process ------------------------------------------------


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[tuple[str, Any]]:
    from gcp_storage_emulator.server import create_server

    # The emulator takes a port, not a bound socket: probe a free one just before starting.
    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()  # returns once the listening socket is bound
    yield f"http://127.0.0.1:{port}", server
    server.stop()


@pytest.fixture
def gcs(gcs_emulator: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An emptied emulator that google-cloud-storage (and so driftmgr) talks to; yields a client."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    endpoint, server = gcs_emulator
    server.wipe()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", endpoint)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "driftmgr-test")
    yield storage.Client(project="driftmgr-test", credentials=AnonymousCredentials())


# --- Azure Blob: azurite, a Node.js process -----------------------------------------------


def azurite_command() -> list[str] | None:
    """The blob-only azurite entry point: ``$AZURITE_BIN``, else the repo's ``tools/``."""
    configured = os.environ.get("AZURITE_BIN")
    binary = Path(configured) if configured else REPO_ROOT / "tools/node_modules/.bin/azurite"
    if not binary.exists():
        return None
    blob_only = binary.with_name("azurite-blob")
    if binary.name == "azurite-blob" or not blob_only.exists():
        blob_only = binary
    command = [str(blob_only)]
    if blob_only.name != "azurite-blob":
        # The all-services entry point: keep queue and table off the well-known ports.
        command += ["--queuePort", "0", "--tablePort", "0"]
    return command


def _pump(stdout: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward azurite's output line by line (None at exit); also keeps its pipe from filling."""
    for line in stdout:
        lines.put(line)
    lines.put(None)


def _wait_for_ready_line(lines: queue.Queue[str | None], deadline: float) -> str:
    """Read azurite's output until it announces its URL; return that URL."""
    seen: list[str] = []
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:
            break  # azurite exited
        seen.append(line.strip())
        if AZURITE_READY in line:
            return "http://" + line.split(AZURITE_READY, 1)[1].strip()
    raise RuntimeError(f"azurite did not start; it printed: {' | '.join(seen)[-2000:]}")


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A blob endpoint such as ``http://127.0.0.1:PORT``; skipped where azurite is missing."""
    command = azurite_command()
    if command is None:
        pytest.skip(AZURITE_SKIP_REASON)
    workspace = tmp_path_factory.mktemp("azurite")
    # Port 0: azurite binds a free port and prints it in its ready line.
    command += [
        "--disableTelemetry",
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--silent",
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        "0",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=workspace,  # in case it writes anything (--location conflicts with in-memory mode)
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        yield _wait_for_ready_line(lines, time.monotonic() + AZURITE_START_TIMEOUT)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def azurite_connection_string(endpoint: str) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint={endpoint}/{AZURITE_ACCOUNT};"
    )


@pytest.fixture
def azure_container(
    azurite_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Callable[[str, bytes], None]]]:
    """A fresh container on azurite, and ``upload(blob, data)``; the SDK env points at it."""
    from azure.storage.blob import BlobServiceClient

    for name in ("ARM_ACCESS_KEY", "ARM_SAS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    connection_string = azurite_connection_string(azurite_endpoint)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string)
    name = f"tfstate-{uuid4().hex[:12]}"
    with BlobServiceClient.from_connection_string(connection_string) as service:
        container = service.create_container(name)

        def upload(blob: str, data: bytes) -> None:
            container.upload_blob(blob, data)

        yield name, upload
