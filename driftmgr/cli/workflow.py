"""`driftmgr workflow run|show|list`: detect → plan → approve → apply, advanced by the server.

``workflow run FILE.yaml`` reads and checks the definition here (the server never reads a
file: it receives the definition as JSON), starts it, and with ``--wait`` follows it until
it completes, fails or waits for a person to approve its plan. State paths in ``scope``
are sent absolute, as ``schedule add`` sends them: the server reads them when the detect
step runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import yaml

from driftmgr.cli.api import EXIT_ERROR, EXIT_OK, CliError, connect
from driftmgr.cli.output import print_json, short, table
from driftmgr.cli.terminal import safe
from driftmgr.domain.workflow import (
    STEPS,
    InvalidWorkflow,
    WorkflowDefinition,
    validate_definition,
)

__all__ = ["add_workflow_commands", "dump_definition", "load_definition"]

PATH = "/api/v1/workflows"
#: Seconds between two looks at a followed workflow (it moves at the pace of its runs).
_POLL_SECONDS = 1.0
_ENDED = ("completed", "failed", "cancelled", "waiting_for_approval")


def add_workflow_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    workflow = sub.add_parser(
        "workflow", help="detect drift, plan, wait for approval and apply, as one process"
    ).add_subparsers(dest="workflow_command", required=True, metavar="COMMAND")

    run = workflow.add_parser("run", parents=[common], help="start a workflow from a YAML file")
    run.add_argument("file", metavar="FILE.yaml")
    run.add_argument(
        "--wait",
        action="store_true",
        help="follow it until it completes, fails or waits for an approval",
    )
    run.set_defaults(func=cmd_workflow_run)

    show = workflow.add_parser("show", parents=[common], help="a workflow and its steps")
    show.add_argument("workflow_id", metavar="ID")
    show.set_defaults(func=cmd_workflow_show)

    listing = workflow.add_parser("list", parents=[common], help="workflows, newest first")
    listing.set_defaults(func=cmd_workflow_list)


# --- the definition file ------------------------------------------------------------------

_AT = re.compile(r"- at `\$(?P<path>[^`]*)`")
_UNKNOWN = re.compile(r"unknown field `(?P<key>[^`]*)`")
_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def load_definition(text: str, source: str = "workflow") -> WorkflowDefinition:
    """Parse and check a workflow definition; a :class:`CliError` names the line at fault."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise CliError(f"{source}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise CliError(f"{source}: a workflow is a mapping with name, scope and steps")
    try:
        definition = msgspec.convert(data, WorkflowDefinition)
    except msgspec.ValidationError as e:
        detail = _AT.sub("", str(e)).strip()
        if str(e).endswith(".step`"):
            detail += f"; the steps are {', '.join(STEPS)}"
        raise CliError(f"{source}{_line_of(root, str(e))}: {detail}") from None
    try:
        return validate_definition(definition)
    except InvalidWorkflow as e:
        raise CliError(f"{source}: {e}") from None


def _line_of(root: yaml.Node | None, message: str) -> str:
    """``:LINE`` of the node a msgspec error points at (``- at `$.steps[1]```), if found."""
    found = _AT.search(message)
    node = root
    if found is None or node is None:
        return ""
    for key, index in _PART.findall(found["path"]):
        node = _child(node, key, int(index) if index else None)
        if node is None:
            return ""
    unknown = _UNKNOWN.search(message)
    if unknown is not None:
        node = _key_node(node, unknown["key"]) or node
    return f":{node.start_mark.line + 1}"


def _child(node: yaml.Node, key: str, index: int | None) -> yaml.Node | None:
    if index is not None:
        if isinstance(node, yaml.SequenceNode) and index < len(node.value):
            child: yaml.Node = node.value[index]
            return child
        return None
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                value: yaml.Node = v
                return value
    return None


def _key_node(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                found: yaml.Node = k
                return found
    return None


def dump_definition(definition: WorkflowDefinition) -> str:
    """The definition as YAML that :func:`load_definition` reads back the same."""
    text: str = yaml.safe_dump(msgspec.to_builtins(definition), sort_keys=False)
    return text


def _with_absolute_states(definition: WorkflowDefinition, base: Path) -> WorkflowDefinition:
    """Local state paths made absolute (relative to the file), as the server will read them."""
    states = [
        s if "://" in s else os.path.abspath(base / os.path.expanduser(s))
        for s in definition.scope.states
    ]
    scope = msgspec.structs.replace(definition.scope, states=states)
    return msgspec.structs.replace(definition, scope=scope)


# --- commands -----------------------------------------------------------------------------


def cmd_workflow_run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CliError(f"{args.file}: cannot read it ({e.strerror})") from None
    definition = _with_absolute_states(load_definition(text, args.file), path.parent)
    with connect(args) as api:
        accepted = api.command(PATH, {"definition": msgspec.to_builtins(definition)})
        if not args.wait:
            if args.output == "json":
                print_json(accepted)
            else:
                print(accepted["id"])
            return EXIT_OK
        view = _follow(api, accepted["id"], accepted["position"])
    if args.output == "json":
        print_json(view)
    else:
        _print_view(view)
    return EXIT_ERROR if view["status"] == "failed" else EXIT_OK


def _follow(api: Any, workflow_id: str, position: int) -> dict[str, Any]:
    """Poll the workflow until it ends or waits for a person, telling each step on stderr."""
    print(safe(f"workflow {workflow_id} started"), file=sys.stderr)
    told: set[tuple[str, str]] = set()
    while True:
        view: dict[str, Any] = api.query(f"{PATH}/{workflow_id}", min_position=position)
        for step in view["steps"]:
            if step["status"] != "pending" and (step["step"], step["status"]) not in told:
                told.add((step["step"], step["status"]))
                print(safe(f"  {step['step']}: {step['status']}"), file=sys.stderr)
        if view["status"] in _ENDED:
            return view
        time.sleep(_POLL_SECONDS)


def _print_view(view: dict[str, Any]) -> None:
    print(safe(f"workflow {view['id']} ({view['name']}): {view['status']}"))
    rows = [
        [s["step"], s["when"], s["status"], s.get("run_id") or s.get("plan_id") or "",
         short(s.get("outcome") or "")]
        for s in view["steps"]
    ]  # fmt: skip
    print(table(rows, ["step", "when", "status", "run", "outcome"]))
    if view["status"] == "waiting_for_approval":
        print(
            safe(
                f"waiting for plan {view['plan_id']} to be approved by another person: "
                f"driftmgr remediate approve {view['plan_id']}"
            )
        )
    if view.get("error"):
        print(safe(f"failed: {view['error']}"))


def cmd_workflow_show(args: argparse.Namespace) -> int:
    with connect(args) as api:
        view = api.query(f"{PATH}/{args.workflow_id}")
    if args.output == "json":
        print_json(view)
    else:
        _print_view(view)
    return EXIT_OK


def cmd_workflow_list(args: argparse.Namespace) -> int:
    with connect(args) as api:
        views: list[dict[str, Any]] = api.query(PATH)
    if args.output == "json":
        print_json(views)
        return EXIT_OK
    rows = [
        [v["id"], short(v["name"], 30), v["status"], v["started_at"], v["started_by"]]
        for v in views
    ]
    print(table(rows, ["id", "name", "status", "started", "by"]))
    return EXIT_OK
