"""`driftmgr state …`: discover, import, untrack, list, show, analyze, compare Terraform states."""

from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path
from typing import Any

from driftmgr.cli.api import EXIT_OK, Api, CliError, connect
from driftmgr.cli.audit_replay import add_as_of_option
from driftmgr.cli.output import change_text, print_json, short, table
from driftmgr.cli.terminal import safe, safe_lines

__all__ = ["add_state_commands", "state_inputs"]

_GLOB_CHARS = frozenset("*?[")


def _is_remote(source: str) -> bool:
    return "://" in source and not source.startswith("tfstate://")


def _local_files(source: str, *, workspaces: bool) -> list[Path]:
    pattern = source.removeprefix("tfstate://")
    if _GLOB_CHARS.intersection(pattern):
        files = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        if not files:
            raise CliError(f"no state file matches {source}")
    else:
        files = [Path(pattern).expanduser()]
    if workspaces:
        for file in list(files):
            # The local backend keeps workspace W at terraform.tfstate.d/W/terraform.tfstate.
            files += sorted(file.parent.glob(f"terraform.tfstate.d/*/{file.name}"))
    return files


def _read(file: Path) -> dict[str, Any]:
    """A local state as a command carries it: its absolute source URI and its content."""
    from driftmgr.settings import max_state_bytes_from

    limit = max_state_bytes_from(os.environ)
    try:
        if file.stat().st_size > limit:  # the server would refuse it: say so before reading
            raise CliError(
                f"{file}: the state is larger than {limit} bytes, the limit of "
                "DRIFTMGR_MAX_STATE_BYTES; raise it (here and on the server) to import it"
            )
        content = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"state file {file} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"{file} is a directory, not a state file") from None
    except UnicodeDecodeError:
        raise CliError(f"{file}: not a Terraform state: the file is not UTF-8 text") from None
    except OSError as e:
        raise CliError(f"cannot read state file {file}: {e.strerror}") from None
    return {"source": f"tfstate://{file.resolve()}", "content": content}


def state_inputs(sources: list[str], *, workspaces: bool = False) -> list[dict[str, Any]]:
    """What to send for each source: local files are read here (the server may be elsewhere);
    remote sources (``tfstate+s3://…``) are fetched by the server with its credentials."""
    inputs: list[dict[str, Any]] = []
    for source in sources:
        if _is_remote(source):
            inputs.append({"source": source, "workspaces": workspaces})
        else:
            inputs += [_read(f) for f in _local_files(source, workspaces=workspaces)]
    return inputs


def _import_result(view: dict[str, Any]) -> dict[str, Any]:
    summary = view["summary"]
    return {
        "id": summary["id"],
        "source": summary["source"],
        "backend": summary["backend"],
        "workspace": summary["workspace"],
        "serial": summary["serial"],
        "lineage": summary["lineage"],
        "terraform_version": summary["terraform_version"],
        "resource_count": summary["resource_count"],
        "flags": summary["flags"],
        "versions": len(view["versions"]),
    }


def _import(api: Api, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for body in inputs:
        accepted = api.command("/api/v1/states", body)
        for state_id in accepted.get("ids") or [accepted["id"]]:
            view = api.query(f"/api/v1/states/{state_id}", min_position=accepted["position"])
            result = _import_result(view)
            for flag in result["flags"]:
                warning = f"warning: {result['source']}: {flag.replace('_', ' ')}"
                print(safe(warning), file=sys.stderr)
            results.append(result)
    return results


def _print_imports(results: list[dict[str, Any]], output: str) -> None:
    if output == "json":
        print_json(results[0] if len(results) == 1 else results)
        return
    rows = [
        [
            r["id"],
            r["backend"],
            r["workspace"],
            str(r["serial"]),
            str(r["resource_count"]),
            ",".join(r["flags"]),
            r["source"],
        ]
        for r in results
    ]
    print(table(rows, ["id", "backend", "workspace", "serial", "resources", "flags", "source"]))


def cmd_import(args: argparse.Namespace) -> int:
    inputs = state_inputs(args.source, workspaces=args.workspaces)
    with connect(args) as api:
        results = _import(api, inputs)
    _print_imports(results, args.output)
    return EXIT_OK


def cmd_untrack(args: argparse.Namespace) -> int:
    state_id = _state_id(args.state_id)
    with connect(args) as api:
        accepted = api.command(f"/api/v1/states/{state_id}/untrack", {"reason": args.reason})
    if args.output == "json":
        print_json(accepted)
    else:
        print(f"state {state_id} is no longer tracked (its history stays in the audit log)")
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    root = Path(args.directory).expanduser().resolve()
    with connect(args) as api:
        found = api.command("/api/v1/states/discover", {"path": str(root)})
        imported: list[dict[str, Any]] = []
        if args.do_import:
            inputs = [{"source": s["uri"], "workspaces": args.workspaces} for s in found["sources"]]
            imported = _import(api, inputs)
    for warning in found["warnings"]:
        print(f"warning: {safe(warning)}", file=sys.stderr)
    if args.output == "json":
        print_json({**found, "imported": imported} if args.do_import else found)
    else:
        rows = [
            [s["backend"], s["workspace"], s["kind"], s["found_in"], s["uri"]]
            for s in found["sources"]
        ]
        print(table(rows, ["backend", "workspace", "kind", "found in", "source"]))
        for source in found["sources"]:
            if source.get("note"):
                print(safe(f"note: {source['found_in']}: {source['note']}"))
        if imported:
            print()
            _print_imports(imported, "table")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with connect(args) as api:
        states = api.query("/api/v1/states", backend=args.backend, as_of=args.as_of)
    if args.output == "json":
        print_json(states)
    else:
        rows = [
            [
                s["id"],
                s["backend"],
                s["workspace"],
                str(s["serial"]),
                str(s["resource_count"]),
                str(s["version_count"]),
                ",".join(s["flags"]),
                s["source"],
            ]
            for s in states
        ]
        print(
            table(
                rows,
                [
                    "id",
                    "backend",
                    "workspace",
                    "serial",
                    "resources",
                    "versions",
                    "flags",
                    "source",
                ],
            )
        )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with connect(args) as api:
        view = api.query(f"/api/v1/states/{_state_id(args.state_id)}", as_of=args.as_of)
    if args.output == "json":
        print_json(view)
        return EXIT_OK
    summary = view["summary"]
    print(table([[k, short(v, 90)] for k, v in summary.items()], ["field", "value"]))
    print()
    print(
        table(
            [
                [
                    str(v["version"]),
                    str(v["serial"]),
                    str(v["resource_count"]),
                    ",".join(v["flags"]),
                    v["imported_at"],
                    v["imported_by"],
                ]
                for v in view["versions"]
            ],
            ["version", "serial", "resources", "flags", "imported at", "by"],
        )
    )
    if view["outputs"]:
        print()
        print(
            table(
                [[o["name"], short(o["value"], 80)] for o in view["outputs"]], ["output", "value"]
            )
        )
    print(
        f"\n{len(view['resources'])} resource instances "
        f"({sum(r['mode'] == 'data' for r in view['resources'])} data sources)"
    )
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    if args.state_id is None:
        return _analyze_all(args)
    state_id = _state_id(args.state_id)
    with connect(args) as api:
        if args.blast_radius:
            result = api.query(f"/api/v1/states/{state_id}/blast-radius", address=args.blast_radius)
            if args.output == "json":
                print_json(result)
            else:
                dependents = [safe(d) for d in result["dependents"]]
                print("\n".join(dependents) or safe(f"nothing depends on {args.blast_radius}"))
            return EXIT_OK
        analysis = api.query(f"/api/v1/states/{state_id}/analysis")
        graph = (
            api.text(f"/api/v1/states/{state_id}/graph", format=args.graph)
            if (args.graph in ("dot", "mermaid"))
            else None
        )
    if graph is not None:
        graph = safe_lines(graph)
        sys.stdout.write(graph if graph.endswith("\n") else graph + "\n")
    elif args.graph == "json":
        print_json(analysis["graph"])
    elif args.output == "json":
        print_json(analysis)
    else:
        _print_analysis(analysis)
    return EXIT_OK


def _analyze_all(args: argparse.Namespace) -> int:
    if args.graph or args.blast_radius:
        raise CliError("--graph and --blast-radius need a state id")
    with connect(args) as api:
        totals = api.query("/api/v1/states/analysis")
    if args.output == "json":
        print_json(totals)
        return EXIT_OK
    print(
        f"{totals['state_count']} states: {totals['resource_count']} managed resources, "
        f"{totals['data_source_count']} data sources, {totals['tainted_count']} tainted, "
        f"{totals['deposed_count']} deposed, {totals['without_id_count']} without id, "
        f"{totals['cycle_count']} dependency cycles"
    )
    for title, key in (("type", "by_type"), ("provider", "by_provider")):
        print()
        counts = sorted(totals[key].items(), key=lambda kv: (-kv[1], kv[0]))
        print(table([[name, str(n)] for name, n in counts], [title, "resources"]))
    return EXIT_OK


def _print_analysis(analysis: dict[str, Any]) -> None:
    terraform = safe(str(analysis["terraform_version"]))
    print(
        f"{analysis['resource_count']} managed resources, "
        f"{analysis['data_source_count']} data sources, "
        f"{analysis['output_count']} outputs; Terraform {terraform}, "
        f"serial {analysis['serial']}"
    )
    for title, key in (("type", "by_type"), ("provider", "by_provider"), ("module", "by_module")):
        print()
        counts = sorted(analysis[key].items(), key=lambda kv: (-kv[1], kv[0]))
        print(table([[name, str(n)] for name, n in counts], [title, "resources"]))
    for label, key in (
        ("without id", "resources_without_id"),
        ("tainted", "tainted"),
        ("deposed", "deposed"),
        ("sensitive outputs", "sensitive_outputs"),
    ):
        if analysis[key]:
            print(f"\n{label}: {safe(', '.join(analysis[key]))}")
    graph = analysis["graph"]
    print(
        f"\ndependency graph: {len(graph['nodes'])} nodes, {len(graph['edges'])} edges, "
        f"{len(graph['cycles'])} cycles"
    )
    for cycle in graph["cycles"]:
        print("cycle: " + safe(" → ".join([*cycle, cycle[0]])))


def cmd_compare(args: argparse.Namespace) -> int:
    with connect(args) as api:
        result = api.query("/api/v1/states/compare", a=args.a, b=args.b)
    for warning in result["warnings"]:
        print(f"warning: {safe(warning)}", file=sys.stderr)
    if args.output == "json":
        print_json(result)
        return EXIT_OK
    lines = [f"+ {safe(a)}" for a in result["added"]] + [f"- {safe(r)}" for r in result["removed"]]
    for changed in result["changed"]:
        lines.append(f"~ {safe(changed['address'])}")
        lines += [f"    {change_text(c, 50)}" for c in changed["changes"]]
    print("\n".join(lines) or "no differences")
    print(
        f"\n{len(result['added'])} added, {len(result['removed'])} removed, "
        f"{len(result['changed'])} changed (serial {result['serial'][0]} → "
        f"{result['serial'][1]})"
    )
    return EXIT_OK


def _state_id(text: str) -> str:
    from uuid import UUID

    try:
        return str(UUID(text))
    except ValueError:
        raise CliError(f"{text!r} is not a state id (a UUID; see `driftmgr state list`)") from None


def add_state_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    state = sub.add_parser("state", help="Terraform states").add_subparsers(
        dest="state_command", required=True, metavar="COMMAND"
    )
    discover = state.add_parser(
        "discover", parents=[common], help="find the states a directory tree refers to"
    )
    discover.add_argument("directory")
    discover.add_argument(
        "--import", dest="do_import", action="store_true", help="import every state found"
    )
    discover.add_argument(
        "--workspaces", action="store_true", help="with --import, also import named workspaces"
    )
    discover.set_defaults(func=cmd_discover)

    imp = state.add_parser(
        "import",
        parents=[common],
        help="import states: paths, globs, or URIs like tfstate+s3://b/k",
    )
    imp.add_argument("source", nargs="+")
    imp.add_argument("--workspaces", action="store_true", help="also import named workspaces")
    imp.set_defaults(func=cmd_import)

    untrack = state.add_parser(
        "untrack", parents=[common], help="stop tracking a state (its history stays in the log)"
    )
    untrack.add_argument("state_id")
    untrack.add_argument("--reason", help="why, for the audit log")
    untrack.set_defaults(func=cmd_untrack)

    lst = state.add_parser("list", parents=[common], help="tracked states")
    lst.add_argument("--backend", help="only states from this backend (s3, gcs, local …)")
    add_as_of_option(lst)
    lst.set_defaults(func=cmd_list)

    show = state.add_parser(
        "show", parents=[common], help="a state's versions, outputs (redacted) and resources"
    )
    show.add_argument("state_id")
    add_as_of_option(show)
    show.set_defaults(func=cmd_show)

    analyze = state.add_parser(
        "analyze", parents=[common], help="counts, providers, dependency graph, blast radius"
    )
    analyze.add_argument(
        "state_id", nargs="?", help="a state id; without one, totals over every tracked state"
    )
    analyze.add_argument(
        "--graph",
        choices=["dot", "mermaid", "json"],
        help="print the dependency graph in this format",
    )
    analyze.add_argument(
        "--blast-radius",
        metavar="ADDRESS",
        help="print what depends on this resource, transitively",
    )
    analyze.set_defaults(func=cmd_analyze)

    compare = state.add_parser(
        "compare", parents=[common], help="compare two state versions: ID or ID@SERIAL each"
    )
    compare.add_argument("a")
    compare.add_argument("b")
    compare.set_defaults(func=cmd_compare)
