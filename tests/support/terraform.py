"""Real Terraform against the moto server, for tests: apply a project, read its drift.

Built on the fixture generator (``tests/data/terraform/generate.py``): the same provider
mirror, CLI configuration and scrubbed environment, so that the provider talks only to the
moto endpoint it is given. :class:`TerraformProject` runs a scratch copy of a project;
:meth:`TerraformProject.refresh_only` runs ``terraform plan -refresh-only`` and returns what
Terraform itself calls drift, both as the machine-readable UI stream reports it
(``resource_drift`` messages) and attribute by attribute (``terraform show -json`` of the
saved plan).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "TOOLS_MISSING",
    "RefreshOnly",
    "ResourceDrift",
    "TerraformError",
    "TerraformProject",
    "changed_attributes",
    "fixture_generator",
    "is_empty",
]

TERRAFORM_DATA = Path(__file__).resolve().parent.parent / "data" / "terraform"

#: One command's limit. An apply of a handful of resources takes 20-40 s against moto.
COMMAND_TIMEOUT_S = 240


def _load_generator() -> ModuleType:
    """tests/data is not a package: import the generator script by its path."""
    spec = importlib.util.spec_from_file_location(
        "driftmgr_tf_fixture_generator", TERRAFORM_DATA / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_GENERATOR = _load_generator()


def fixture_generator() -> ModuleType:
    """``tests/data/terraform/generate.py``, which writes the committed state fixtures."""
    return _GENERATOR


#: Why real Terraform cannot run here (no terraform on PATH, no provider mirror), or None.
TOOLS_MISSING: str | None = _GENERATOR.missing_tools()


class TerraformError(RuntimeError):
    """A terraform command failed; the message carries its output."""


def is_empty(value: Any) -> bool:
    """null, "", [] and {} say the same thing: nothing is set."""
    return value is None or value == "" or value == [] or value == {}


def changed_attributes(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Top-level attributes whose value differs; null and an empty value count as equal.

    The provider sometimes reads back ``{}`` where the state holds ``null`` (``tags`` of a
    resource configured without tags): Terraform reports that as drift although neither
    value sets anything.
    """
    return {
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
        and not (is_empty(before.get(name)) and is_empty(after.get(name)))
    }


@dataclass(frozen=True)
class ResourceDrift:
    """One entry of a plan's ``resource_drift``: a resource as the state has it and as read."""

    address: str
    type: str
    actions: tuple[str, ...]
    before: Mapping[str, Any]
    after: Mapping[str, Any] | None
    """None when the object is gone."""

    @property
    def changed(self) -> set[str]:
        """Top-level attributes that changed (every recorded one when the object is gone)."""
        if self.after is None:
            return set(self.before)
        return changed_attributes(self.before, self.after)


@dataclass(frozen=True)
class RefreshOnly:
    """What ``terraform plan -refresh-only`` found."""

    stream: dict[str, str]
    """``resource_drift`` messages of the ``-json`` UI stream: address → action."""
    drift: dict[str, ResourceDrift]
    """``resource_drift`` of ``terraform show -json`` on the saved plan, by address."""


class TerraformProject:
    """A scratch copy of a Terraform project whose AWS provider talks to ``endpoint``."""

    def __init__(self, source: Path, scratch: Path, endpoint: str) -> None:
        if TOOLS_MISSING is not None:
            raise RuntimeError(TOOLS_MISSING)
        self.dir = scratch / "project"
        shutil.copytree(
            source, self.dir, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*")
        )
        cli_config = scratch / "terraformrc"
        cli_config.write_text(_GENERATOR.CLI_CONFIG)
        # No TF_*/AWS_* of the caller: keys and endpoints come from the configuration.
        self._env: dict[str, str] = _GENERATOR._terraform_env(cli_config, endpoint)

    @property
    def env(self) -> dict[str, str]:
        """What terraform needs to run here (``TF_VAR_endpoint``, the CLI configuration)."""
        return dict(self._env)

    @property
    def state_path(self) -> Path:
        return self.dir / "terraform.tfstate"

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["terraform", *args],
            cwd=self.dir,
            env=self._env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise TerraformError(
                f"terraform {' '.join(args)} exited {result.returncode}\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def init_and_apply(self) -> None:
        self.run("init", "-input=false", "-no-color")
        self.run("apply", "-auto-approve", "-input=false", "-no-color")

    def copy(self, destination: Path) -> TerraformProject:
        """This project, initialised and with its state, in ``destination``: to try code on."""
        shutil.copytree(self.dir, destination, ignore=shutil.ignore_patterns("*.plan"))
        twin = object.__new__(TerraformProject)
        twin.dir, twin._env = destination, self._env
        return twin

    def settle(self) -> None:
        """``terraform apply -refresh-only``: the state takes what the provider reads back
        right after creating (a bucket's versioning set by its own resource, ``tags = {}``),
        so that only later changes count as drift."""
        self.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")

    def ids(self) -> dict[str, str]:
        """Managed resources' ids in the state, by address (``aws_s3_bucket.b["a"]``)."""
        state = json.loads(self.state_path.read_text())
        ids: dict[str, str] = {}
        for resource in state["resources"]:
            if resource["mode"] != "managed":
                continue
            prefix = f"{resource['module']}." if "module" in resource else ""
            base = f"{prefix}{resource['type']}.{resource['name']}"
            for instance in resource["instances"]:
                key = instance.get("index_key")
                suffix = "" if key is None else f"[{json.dumps(key)}]"
                ids[base + suffix] = str(instance["attributes"]["id"])
        return ids

    def refresh_only(self) -> RefreshOnly:
        """Run ``terraform plan -refresh-only``; the state file is left as it was."""
        stream = self.run(
            "plan", "-refresh-only", "-json", "-input=false", "-lock=false", "-out=refresh.plan"
        )
        shown = json.loads(self.run("show", "-json", "-no-color", "refresh.plan"))
        return RefreshOnly(stream=_stream_drift(stream), drift=_shown_drift(shown))


def _stream_drift(stream: str) -> dict[str, str]:
    drift: dict[str, str] = {}
    for line in stream.splitlines():
        message = json.loads(line)
        if message.get("type") == "resource_drift":
            change = message["change"]
            drift[change["resource"]["addr"]] = change["action"]
    return drift


def _shown_drift(shown: Mapping[str, Any]) -> dict[str, ResourceDrift]:
    return {
        entry["address"]: ResourceDrift(
            address=entry["address"],
            type=entry["type"],
            actions=tuple(entry["change"]["actions"]),
            before=entry["change"]["before"] or {},
            after=entry["change"]["after"],
        )
        for entry in shown.get("resource_drift", [])
    }
