"""The OpenAPI document as a complete contract: every status a route can answer, documented.

Litestar documents a route's success and, at best, a 400. Every refusal is problem+json
(:mod:`driftmgr.http.errors`); :func:`complete_contract` adds them to each operation, from
what the route is rather than by hand, so that a new route cannot forget them:

- every route: ``400`` (a malformed request, a ``Host`` the server does not answer to) and
  ``500``; every route but health also ``401`` and ``403``;
- a command (``POST``): ``409``, ``413`` (a body over litestar's limit), ``415`` and ``422``;
- a path parameter: ``404`` (an unknown id, or one that is not a UUID: no route matches);
- ``min_position``: ``409`` (beyond the log: :func:`check_min_position`) and ``503`` (the
  read models do not reach it in time); ``as_of``: ``404`` (no such moment in the log);
- what a route declares besides, as ``refusals=(502, 503)`` in its decorator (its ``opt``).

Routes whose success is not JSON declare it as ``media_types=(...)`` in their decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Litestar, Request, Response
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute
from litestar.types import Scope

from driftmgr.errors import Conflict
from driftmgr.http.context import services_of

__all__ = ["MEDIA_TYPES_KEY", "REFUSALS_KEY", "check_min_position", "complete_contract"]

REFUSALS_KEY = "refusals"
MEDIA_TYPES_KEY = "media_types"
PROBLEM_JSON = "application/problem+json"  # as errors.PROBLEM_JSON, which imports us not

_STRING = Schema(type=OpenAPIType.STRING)
_PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem",
    description="RFC 9457 problem details; some refusals add members (errors, correlation_id …)",
    required=["type", "title", "status", "detail"],
    properties={
        "type": _STRING,
        "title": _STRING,
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": _STRING,
        "correlation_id": _STRING,
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    },
)


_NO_FIELDS = RequestBody(
    content={"application/json": OpenAPIMediaType(schema=Schema(type=OpenAPIType.OBJECT))},
    required=True,
    description="Nothing to send but {}: a command is JSON (no cross-site form can post it)",
)


def _statuses(operation: Operation, method: str, path: str, opt: dict[str, Any]) -> set[int]:
    statuses = {400, 500}
    if opt.get("permission") != "public":
        statuses |= {401, 403}
    if method == "POST":
        statuses |= {409, 413, 415, 422}
    if "{" in path:
        statuses.add(404)
    names = {p.name for p in operation.parameters or () if not isinstance(p, Reference)}
    if "min_position" in names:
        statuses |= {409, 503}
    if "as_of" in names:
        statuses.add(404)
    statuses.update(opt.get(REFUSALS_KEY, ()))
    return statuses


def _success_types(response: OpenAPIResponse, media_types: Iterable[str]) -> None:
    schema = next(iter((response.content or {}).values()), None)
    response.content = {
        media_type: schema
        if media_type == "application/json" and schema is not None
        else OpenAPIMediaType(schema=_STRING)
        for media_type in media_types
    }


def _options_for(route: HTTPRoute) -> Callable[[Scope], Response[None]]:
    allow = ", ".join(sorted(route.methods))

    def options_handler(scope: Scope) -> Response[None]:
        return Response(content=None, status_code=204, headers={"Allow": allow})

    return options_handler


def complete_contract(app: Litestar) -> None:
    """Add every refusal each operation of ``app``'s OpenAPI document can answer; make
    ``OPTIONS`` list every method of its path, as a ``405``'s ``Allow`` does."""
    document = app.openapi_schema
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas["Problem"] = _PROBLEM
    for name in _closed_structs() & set(document.components.schemas):
        # Refused when it carries an unknown field (a typo in a workflow file must not pass
        # silently): say so, or every client reading the schema would think it accepted.
        schema = document.components.schemas[name]
        if isinstance(schema, Schema):
            schema.additional_properties = False
    problem = {PROBLEM_JSON: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))}
    for route in app.routes:
        item = (document.paths or {}).get(route.path_format)
        if item is None or not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            # Litestar's answers with the methods of the first controller to claim the path.
            if handler.http_methods == {"OPTIONS"} and handler.handler_name == "options_handler":
                handler._fn = _options_for(route)  # type: ignore[assignment]  # sync, as before
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if not isinstance(operation, Operation):
                    continue
                responses = operation.responses = dict(operation.responses or {})
                if method == "POST" and operation.request_body is None:
                    # Every command needs Content-Type: application/json, a body or not.
                    operation.request_body = _NO_FIELDS
                success = responses.get(str(handler.status_code))
                if isinstance(success, OpenAPIResponse) and handler.opt.get(MEDIA_TYPES_KEY):
                    _success_types(success, handler.opt[MEDIA_TYPES_KEY])
                for status in sorted(_statuses(operation, method, route.path_format, handler.opt)):
                    # Litestar's own 400 is a JSON "validation error"; ours is a problem.
                    responses[str(status)] = OpenAPIResponse(
                        description=HTTPStatus(status).phrase, content=problem
                    )


def _closed_structs() -> set[str]:
    """Names of the msgspec Structs that refuse unknown fields."""
    found: set[str] = set()
    pending: list[type] = [msgspec.Struct]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        config = getattr(cls, "__struct_config__", None)
        if config is not None and config.forbid_unknown_fields:
            found.add(cls.__name__)
    return found


def _whole_number(text: str) -> int:
    """The value litestar reads ``text`` as (``"7"``, ``"7.0"``), or 0 if it reads none."""
    try:
        number = float(text)
    except ValueError:
        return 0
    return int(number) if number.is_integer() else 0


async def check_min_position(request: Request[Any, Any, Any]) -> None:
    """``before_request``: a ``min_position`` beyond the log's newest event is one no command
    returned; refuse it (409) at once rather than hold the request until the wait times out."""
    wanted = max(map(_whole_number, request.query_params.getall("min_position", [])), default=0)
    services = services_of(request.app.state)
    if wanted <= services.projections.progress.position:
        return
    head = await anyio.to_thread.run_sync(services.backend.app.position)
    if wanted > head:
        raise Conflict(
            f"min_position {wanted} is beyond the newest event of the log ({head}); "
            "send a position a command returned"
        )
