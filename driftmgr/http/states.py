"""Terraform states: discover, import, untrack, list, show, versions, analysis, graph, compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from driftmgr.adapters.terraform.backends import SourcePolicy
from driftmgr.adapters.terraform.discovery import DiscoveryError, DiscoveryResult, discover
from driftmgr.commands.results import Accepted
from driftmgr.commands.state import ImportState, UntrackState, import_state, untrack_state
from driftmgr.domain.state_analysis import (
    AnalysisTotals,
    StateAnalysis,
    blast_radius,
    to_dot,
    to_mermaid,
)
from driftmgr.domain.state_compare import StateComparison
from driftmgr.errors import InvalidCommand
from driftmgr.http.context import cause_of, read_models_of, services_of
from driftmgr.http.errors import problem
from driftmgr.http.limits import AsOf, Limit, Offset, Position, blocking_pool_of
from driftmgr.queries.state_files import (
    AnalysisPending,
    CompareStatesQuery,
    GetStateAnalysisQuery,
    GetStateFileQuery,
    GetStateTotalsQuery,
    ListStateFilesQuery,
    StateFileSummary,
    StateFileView,
    StateRef,
    StateVersionView,
    compare_state_files,
    get_state_analysis,
    get_state_file,
    get_state_totals,
    list_state_files,
)

__all__ = ["DiscoverStateFiles", "StatesController"]

GRAPH_MEDIA_TYPES = {"dot": "text/vnd.graphviz", "mermaid": "text/plain", "json": MediaType.JSON}
#: ``STATE_ID`` or ``STATE_ID@SERIAL`` (a serial the databases can store).
StateVersionRef = Annotated[
    str,
    QueryParameter(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        r"(@[0-9]{1,18})?$",
        description="A state's id, for its current version, or STATE_ID@SERIAL",
    ),
]


class DiscoverStateFiles(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    """A directory on the server's file system (the CLI's, when it runs in-process); a server
    scans only under its ``DRIFTMGR_STATE_ROOTS``."""


class Untrack(msgspec.Struct, frozen=True, kw_only=True):
    reason: str | None = None


class BlastRadius(msgspec.Struct, frozen=True, kw_only=True):
    address: str
    dependents: list[str]


def discover_under(path: str, policy: SourcePolicy) -> DiscoveryResult:
    return discover(Path(path), policy=policy)


def analysis_pending(
    request: Request[Any, Any, Any], exc: AnalysisPending
) -> Response[dict[str, Any]]:
    """409, naming the job to wait for: a client can follow it, then ask again."""
    return problem(
        409, "Analysis pending", str(exc), headers={"Retry-After": "5"}, job_id=str(exc.job_id)
    )


class StatesController(Controller):
    path = "/api/v1/states"
    tags = ["states"]
    exception_handlers = {AnalysisPending: analysis_pending}

    @get(permission="read", summary="Every tracked state source (ListStateFilesQuery)")
    async def list_states(
        self,
        state: State,
        min_position: Position = None,
        backend: FromQuery[str | None] = None,
        limit: Limit = 1000,
        offset: Offset = 0,
        as_of: AsOf = None,
    ) -> list[StateFileSummary]:
        query = ListStateFilesQuery(
            min_position=min_position,
            backend=backend,
            limit=max(1, min(limit, 10_000)),
            offset=max(0, offset),
        )
        async with read_models_of(state, as_of) as read:
            return await list_state_files(read, query)

    @post(
        permission="command",
        status_code=202,
        summary="Import state sources (ImportState); 503 while the server reads many already",
        refusals=(502, 503),
    )
    async def import_state(
        self, data: JSONBody[ImportState], state: State, request: Request[Any, Any, Any]
    ) -> Accepted:
        # Reading a source blocks for as long as it takes: on the bounded pool.
        backend, cause = services_of(state).backend, cause_of(request)
        return await blocking_pool_of(state).run(import_state, backend, data, cause)

    @post(
        "/{state_id:uuid}/untrack",
        permission="command",
        status_code=202,
        sync_to_thread=True,
        summary="Stop tracking a state (UntrackState); 404 unknown, 409 already untracked",
    )
    def untrack(
        self,
        state_id: FromPath[UUID],
        data: JSONBody[Untrack],
        state: State,
        request: Request[Any, Any, Any],
    ) -> Accepted:
        command = UntrackState(state_id=state_id, reason=data.reason)
        return untrack_state(services_of(state).backend, command, cause_of(request))

    @post(
        "/discover",
        permission="command",
        status_code=200,
        summary="Find the state files and backends a directory tree refers to",
        refusals=(503,),
    )
    async def discover(self, data: JSONBody[DiscoverStateFiles], state: State) -> DiscoveryResult:
        policy = services_of(state).backend.source_policy
        try:
            return await blocking_pool_of(state).run(discover_under, data.path, policy)
        except DiscoveryError as e:
            raise InvalidCommand(str(e)) from None

    @get(
        "/analysis",
        permission="read",
        summary="Counts summed over states: all, or ?ids= (AnalyzeStateFiles)",
    )
    async def totals(
        self,
        state: State,
        ids: FromQuery[list[UUID] | None] = None,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> AnalysisTotals:
        query = GetStateTotalsQuery(state_ids=ids, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return await get_state_totals(read, query)

    @get(
        "/compare",
        permission="read",
        summary="Compare two state versions (CompareStatesQuery)",
        refusals=(404,),
    )
    async def compare(
        self,
        state: State,
        a: StateVersionRef,
        b: StateVersionRef,
        min_position: Position = None,
    ) -> StateComparison:
        services = services_of(state)
        query = CompareStatesQuery(
            a=StateRef.parse(a), b=StateRef.parse(b), min_position=min_position
        )
        return await compare_state_files(services.read, services.backend.blobs, query)

    @get(
        "/{state_id:uuid}",
        permission="read",
        summary="A state source, its versions and outputs, redacted",
    )
    async def show(
        self,
        state_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> StateFileView:
        blobs = services_of(state).backend.blobs
        query = GetStateFileQuery(state_id=state_id, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return await get_state_file(read, blobs, query)

    @get(
        "/{state_id:uuid}/versions",
        permission="read",
        summary="Every imported version of a state source",
    )
    async def versions(
        self,
        state_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> list[StateVersionView]:
        blobs = services_of(state).backend.blobs
        query = GetStateFileQuery(state_id=state_id, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return (await get_state_file(read, blobs, query)).versions

    @get(
        "/{state_id:uuid}/analysis",
        permission="read",
        summary="Counts, providers and dependency graph; 409 while its analysis job is pending",
        refusals=(409,),
    )
    async def analysis(
        self,
        state_id: FromPath[UUID],
        state: State,
        min_position: Position = None,
        as_of: AsOf = None,
    ) -> StateAnalysis:
        query = GetStateAnalysisQuery(state_id=state_id, min_position=min_position)
        async with read_models_of(state, as_of) as read:
            return await get_state_analysis(read, query)

    @get(
        "/{state_id:uuid}/graph",
        permission="read",
        summary="The dependency graph as Graphviz DOT, Mermaid or JSON",
        refusals=(409,),
        media_types=tuple(GRAPH_MEDIA_TYPES.values()),
    )
    async def graph(
        self,
        state_id: FromPath[UUID],
        state: State,
        format: FromQuery[Literal["dot", "mermaid", "json"]] = "dot",
        min_position: Position = None,
    ) -> Response[Any]:
        query = GetStateAnalysisQuery(state_id=state_id, min_position=min_position)
        graph = (await get_state_analysis(services_of(state).read, query)).graph
        if format == "json":
            return Response(graph, media_type=MediaType.JSON)
        text = to_dot(graph) if format == "dot" else to_mermaid(graph)
        return Response(text, media_type=GRAPH_MEDIA_TYPES[format])

    @get(
        "/{state_id:uuid}/blast-radius",
        permission="read",
        summary="What depends on a resource, transitively: what a change to it can break",
        refusals=(409,),
    )
    async def blast_radius(
        self,
        state_id: FromPath[UUID],
        state: State,
        address: FromQuery[str],
        min_position: Position = None,
    ) -> BlastRadius:
        query = GetStateAnalysisQuery(state_id=state_id, min_position=min_position)
        graph = (await get_state_analysis(services_of(state).read, query)).graph
        return BlastRadius(address=address, dependents=blast_radius(graph, address))
