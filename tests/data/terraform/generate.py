"""Regenerate the real Terraform state fixtures: real terraform, real AWS provider, moto.

Run it from anywhere::

    .venv/bin/python tests/data/terraform/generate.py [OUT_DIR]

It starts a moto server on a free loopback port, copies ``aws_project/`` into a scratch
directory, and there runs ``terraform init`` and ``terraform apply`` once per workspace
(``default`` and ``staging``) with the hashicorp/aws provider taken from the filesystem
mirror in ``/opt/tf-plugins``. It then writes, into OUT_DIR (default: ``states/`` next to
this file)::

    default.tfstate      the default workspace's state (format version 4)
    staging.tfstate      the staging workspace's state
    default.show.json    `terraform show -json` of the default workspace

Names are fixed, but ids (vpc-…, i-…, lineage …) come from moto and Terraform and change
on every run. When terraform or the provider mirror is missing it says so and exits 0
without writing anything: the committed fixtures stay as they are.

The module is importable too: :func:`generate` does the work, :func:`missing_tools` says
why it cannot (or None).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "aws_project"
STATES = HERE / "states"
MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
WORKSPACES = ("default", "staging")
#: One apply against moto takes about 40 s (provider waiters); leave plenty of room.
APPLY_TIMEOUT_S = 600

CLI_CONFIG = f"""\
provider_installation {{
  filesystem_mirror {{
    path    = "{MIRROR}"
    include = ["{AWS_PROVIDER}"]
  }}
  direct {{
    exclude = ["{AWS_PROVIDER}"]
  }}
}}
"""

NOT_FOUND = "terraform or the aws provider mirror not found; nothing generated"


class GenerationError(RuntimeError):
    """A terraform command failed; the message carries its output."""


def missing_tools() -> str | None:
    """Why the fixtures cannot be generated here, or None when they can."""
    if shutil.which("terraform") is None:
        return "terraform is not on PATH"
    if not (MIRROR / AWS_PROVIDER).is_dir():
        return f"the aws provider mirror {MIRROR / AWS_PROVIDER} is missing"
    return None


def generate(out_dir: Path = STATES, *, log: bool = True) -> dict[str, Path]:
    """Apply the project to a fresh moto server once per workspace; write the fixtures.

    Returns the written files by name. Raises :class:`GenerationError` when a terraform
    command fails, and RuntimeError when the tools are missing (check :func:`missing_tools`).
    """
    _require_tools()
    # Imported here so that the "tools missing" path needs no moto.
    from moto.server import ThreadedMotoServer

    out_dir.mkdir(parents=True, exist_ok=True)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # one access-log line per AWS call otherwise
    server.start()
    try:
        host, port = server.get_host_and_port()
        with tempfile.TemporaryDirectory(prefix="driftmgr-tf-") as scratch:
            tf = _project(Path(scratch), f"http://{host}:{port}", log=log)
            tf("init", "-input=false", "-no-color")
            for workspace in WORKSPACES:
                if workspace != "default":
                    tf("workspace", "new", "-no-color", workspace)
                tf("apply", "-auto-approve", "-input=false", "-no-color")
            tf("workspace", "select", "-no-color", "default")
            show = tf("show", "-json", "-no-color")

            work = Path(scratch) / "project"
            written = {
                "default.tfstate": out_dir / "default.tfstate",
                "staging.tfstate": out_dir / "staging.tfstate",
                "default.show.json": out_dir / "default.show.json",
            }
            shutil.copyfile(work / "terraform.tfstate", written["default.tfstate"])
            shutil.copyfile(
                work / "terraform.tfstate.d" / "staging" / "terraform.tfstate",
                written["staging.tfstate"],
            )
            written["default.show.json"].write_text(show if show.endswith("\n") else show + "\n")
            return written
    finally:
        server.stop()
        werkzeug.setLevel(level)


def show_json(state: bytes, *, log: bool = False) -> str:
    """`terraform show -json` of a state file's content, read by the real terraform.

    Needs no cloud: it initialises a scratch copy of the project (for the provider's
    schemas) and shows the given state. Tests use it to check that what driftmgr writes is
    a state terraform itself reads.
    """
    _require_tools()
    with tempfile.TemporaryDirectory(prefix="driftmgr-tf-") as scratch:
        tf = _project(Path(scratch), "http://127.0.0.1:1", log=log)
        tf("init", "-input=false", "-no-color", "-backend=false")
        state_file = Path(scratch) / "shown.tfstate"
        state_file.write_bytes(state)
        return tf("show", "-json", "-no-color", str(state_file))


def _require_tools() -> None:
    reason = missing_tools()
    if reason is not None:
        raise RuntimeError(reason)


def _project(scratch: Path, endpoint: str, *, log: bool) -> Callable[..., str]:
    """Copy the project into ``scratch``; return a runner of terraform commands there."""
    work = scratch / "project"
    shutil.copytree(PROJECT, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    cli_config = scratch / "terraformrc"
    cli_config.write_text(CLI_CONFIG)
    env = _terraform_env(cli_config, endpoint)

    def tf(*args: str) -> str:
        return _run(["terraform", *args], cwd=work, env=env, log=log)

    return tf


def _terraform_env(cli_config: Path, endpoint: str) -> dict[str, str]:
    # Nothing from the caller's Terraform or AWS set-up may leak in: the provider gets its
    # keys and endpoints from the configuration, the CLI its config from us.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TF_", "AWS_", "CHECKPOINT_"))
    }
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
        TF_VAR_endpoint=endpoint,
    )
    return env


def _run(args: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: bool) -> str:
    started = time.monotonic()
    result = subprocess.run(
        list(args),
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=APPLY_TIMEOUT_S,
        check=False,
    )
    if log:
        print(f"  {' '.join(args)}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    if result.returncode != 0:
        raise GenerationError(
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(f"usage: {Path(__file__).name} [OUT_DIR]", file=sys.stderr)
        return 2
    reason = missing_tools()
    if reason is not None:
        print(f"{NOT_FOUND} ({reason})")
        return 0
    out_dir = Path(args[0]) if args else STATES
    started = time.monotonic()
    try:
        written = generate(out_dir)
    except GenerationError as exc:
        print(f"generation failed: {exc}", file=sys.stderr)
        return 1
    for path in written.values():
        print(path)
    print(f"done in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
