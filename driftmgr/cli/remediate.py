"""`driftmgr remediate …`: plan, show, approve, reject, apply, roll back, generate code.

Exit codes: 0 done (a plan made, approved, applied or rolled back in full); 1 refused or
failed to run (one line on stderr: self-approval, a plan awaiting approval, bad input);
4 the apply or rollback finished but some action failed or was aborted (``show`` says why).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from driftmgr.cli.api import EXIT_OK, LONG_POLL_SECONDS, Api, CliError, connect
from driftmgr.cli.audit_replay import add_as_of_option
from driftmgr.cli.output import print_json, short, table
from driftmgr.cli.terminal import safe

__all__ = ["EXIT_PARTIAL", "add_remediate_commands"]

EXIT_PARTIAL = 4
_PLANS = "/api/v1/remediation-plans"
_BUSY = ("applying", "rolling_back")


def add_remediate_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    group = sub.add_parser("remediate", help="plan and apply fixes for drift").add_subparsers(
        dest="remediate_command", required=True, metavar="COMMAND"
    )
    plan = group.add_parser(
        "plan", parents=[common], help="plan what to do about a drift run (a dry run)"
    )
    plan.add_argument("run_id", help="the drift run")
    plan.add_argument(
        "--strategy",
        action="append",
        metavar="SELECTOR=STRATEGY",
        help="KIND, TYPE, ADDRESS or ID = revert|accept|forget|recreate|import|quarantine|"
        "delete; the most specific wins (repeatable)",
    )
    plan.add_argument("--tf-dir", help="the Terraform directory (to recreate, to patch code)")
    plan.add_argument("--allow-destroy", action="store_true", help="allow the delete strategy")
    plan.set_defaults(func=cmd_plan)

    show = group.add_parser("show", parents=[common], help="a plan, its steps and its history")
    show.add_argument("plan_id")
    add_as_of_option(show)
    show.set_defaults(func=cmd_show)

    approve = group.add_parser("approve", parents=[common], help="approve someone else's plan")
    approve.add_argument("plan_id")
    approve.add_argument("--reason")
    approve.set_defaults(func=cmd_approve)

    reject = group.add_parser("reject", parents=[common], help="reject a plan, saying why")
    reject.add_argument("plan_id")
    reject.add_argument("--reason", required=True)
    reject.set_defaults(func=cmd_reject)

    apply = group.add_parser("apply", parents=[common], help="apply a plan and wait for it")
    apply.add_argument("plan_id")
    apply.add_argument(
        "--continue-on-error",
        action="store_true",
        help="apply the other actions after one fails",
    )
    apply.set_defaults(func=cmd_apply)

    rollback = group.add_parser(
        "rollback", parents=[common], help="put back what an applied plan changed"
    )
    rollback.add_argument("plan_id")
    rollback.add_argument(
        "--acknowledge-irreversible",
        action="store_true",
        help="roll back the rest although some action (a delete) cannot be undone",
    )
    rollback.set_defaults(func=cmd_rollback)

    codegen = group.add_parser(
        "codegen", parents=[common], help="write Terraform code importing unmanaged objects"
    )
    codegen.add_argument("run_id", help="the drift run")
    codegen.add_argument("--out", required=True, help="folder to write the .tf files into")
    codegen.add_argument(
        "--tf-dir", help="the Terraform directory whose provider config checks the code"
    )
    codegen.add_argument("--force", action="store_true", help="overwrite existing files")
    codegen.set_defaults(func=cmd_codegen)


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise CliError(f"{text!r} is not a {what} id (a UUID)") from None


def _strategies(items: list[str] | None) -> dict[str, str]:
    chosen = {}
    for item in items or []:
        key, sep, strategy = item.rpartition("=")
        if not sep or not key or not strategy:
            raise CliError(f"--strategy {item!r} must look like SELECTOR=STRATEGY")
        chosen[key] = strategy
    return chosen


def _directory(path: str | None) -> str | None:
    # A server resolves names on its side; the in-process CLI's user means their own cwd.
    return os.path.abspath(path) if path else None


def cmd_plan(args: argparse.Namespace) -> int:
    body = {
        "drift_run_id": str(_uuid(args.run_id, "drift run")),
        "strategies": _strategies(args.strategy),
        "tf_dir": _directory(args.tf_dir) if not args.api_url else args.tf_dir,
        "allow_destroy": args.allow_destroy,
    }
    with connect(args) as api:
        accepted = api.command(_PLANS, body)
        view = api.query(f"{_PLANS}/{accepted['id']}", min_position=accepted["position"])
    return _show(view, args.output)


def cmd_show(args: argparse.Namespace) -> int:
    plan_id = _uuid(args.plan_id, "plan")
    with connect(args) as api:
        view = api.query(f"{_PLANS}/{plan_id}", as_of=args.as_of)
    return _show(view, args.output)


def cmd_approve(args: argparse.Namespace) -> int:
    return _decide(args, "approve", {"reason": args.reason})


def cmd_reject(args: argparse.Namespace) -> int:
    return _decide(args, "reject", {"reason": args.reason})


def _decide(args: argparse.Namespace, verb: str, body: dict[str, Any]) -> int:
    plan_id = _uuid(args.plan_id, "plan")
    with connect(args) as api:
        accepted = api.command(f"{_PLANS}/{plan_id}/{verb}", body)
        view = api.query(f"{_PLANS}/{plan_id}", min_position=accepted["position"])
    return _show(view, args.output)


def cmd_apply(args: argparse.Namespace) -> int:
    return _run(args, "apply", {"continue_on_error": args.continue_on_error}, "applied")


def cmd_rollback(args: argparse.Namespace) -> int:
    body = {"acknowledge_irreversible": args.acknowledge_irreversible}
    return _run(args, "rollback", body, "rolled_back")


def _run(args: argparse.Namespace, verb: str, body: dict[str, Any], success: str) -> int:
    plan_id = _uuid(args.plan_id, "plan")
    with connect(args) as api:
        accepted = api.command(f"{_PLANS}/{plan_id}/{verb}", body)
        view = _wait(api, plan_id, accepted["position"])
    _show(view, args.output)
    return EXIT_OK if view["status"] == success else EXIT_PARTIAL


def _wait(api: Api, plan_id: UUID, position: int) -> dict[str, Any]:
    last = None
    while True:
        view: dict[str, Any] = api.query(
            f"{_PLANS}/{plan_id}", min_position=position, wait=LONG_POLL_SECONDS
        )
        if view["status"] != last:
            print(safe(f"plan {plan_id}: {view['status']}"), file=sys.stderr)
            last = view["status"]
        if view["status"] not in _BUSY:
            return view


def cmd_codegen(args: argparse.Namespace) -> int:
    run_id = _uuid(args.run_id, "drift run")
    out = Path(args.out)
    tf_dir = _directory(args.tf_dir) if not args.api_url else args.tf_dir
    with connect(args) as api:
        code = api.command(f"{_PLANS}/codegen/{run_id}", {"tf_dir": tf_dir})
    files: dict[str, str] = code["files"]
    clashes = [name for name in files if (out / name).exists()]
    if clashes and not args.force:
        raise CliError(
            f"{out / clashes[0]} exists: choose another --out or add --force to overwrite"
        )
    for name, content in sorted(files.items()):
        path = out / name
        if not path.resolve().is_relative_to(out.resolve()):
            raise CliError(f"refusing to write {name!r} outside {out}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    if args.output == "json":
        print_json({**code, "out": str(out)})
    else:
        print(safe(f"wrote {len(files)} files for {code['imports']} imports to {out}"))
        for problem in code["problems"]:
            print(safe(f"warning: {problem}"), file=sys.stderr)
    return EXIT_OK if not code["problems"] else EXIT_PARTIAL


# --- rendering ---------------------------------------------------------------------------


def _show(view: dict[str, Any], output: str) -> int:
    if output == "json":
        print_json(view)
        return EXIT_OK
    approval = "needs approval" if view["requires_approval"] else "no approval needed"
    lines = [
        f"plan {view['id']} for drift run {view['drift_run_id']}: {view['status']} ({approval})",
        f"planned by {view['planned_by']} at {view['planned_at']}",
    ]
    if view["decided_by"]:
        reason = f": {view['decision_reason']}" if view["decision_reason"] else ""
        verdict = "rejected" if view["status"] == "rejected" else "approved"
        lines.append(f"{verdict} by {view['decided_by']} at {view['decided_at']}{reason}")
    if view.get("run_error"):
        lines.append(f"job error: {view['run_error']}")
    rows = []
    for action in view["actions"]:
        target = action["target"]
        outcome = action.get("rollback") or action.get("outcome") or {}
        rows.append(
            [
                str(action["index"]),
                action["strategy"],
                action["address"] or f"{target['type']} {target['id']}",
                action["severity"],
                outcome.get("status", "planned"),
                short(outcome.get("reason") or ", ".join(action["attributes"]), 70),
            ]
        )
    print(safe("\n".join(lines)))
    print(table(rows, ["#", "strategy", "resource", "severity", "status", "detail"]))
    print("\nsteps:")
    print(safe("\n".join(view["preview"])))
    done = [a for a in view["actions"] if a.get("outcome") and a["outcome"].get("calls")]
    if done:
        print("\ncalls made:")
        for action in done:
            for call in action["outcome"]["calls"]:
                print(safe(f"  [{action['index']}] {call}"))
            print(safe(f"      before {short(action['outcome'].get('before'), 100)}"))
            print(safe(f"      after  {short(action['outcome'].get('after'), 100)}"))
    print("\nhistory:")
    for entry in view["timeline"]:
        print(safe(f"  {entry['at']}  {entry['actor']}: {entry['summary']}"))
    return EXIT_OK
