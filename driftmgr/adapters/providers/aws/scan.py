"""What one account's scan shares between its listings: clients, limits, memoised lookups.

Enumerators use four things: :meth:`Scan.client`, :meth:`Scan.call` (one API call),
:meth:`Scan.pages` (one paginated operation, page by page) and :meth:`Scan.shared` (compute
once per scan). Every call and every page goes through the scan's
:class:`~driftmgr.adapters.providers.aws.resilience.Resilience`: rate-limited, retried and
guarded by a circuit breaker per (account, service, region).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from typing import Any, NamedTuple, TypeVar

import aiohttp
import botocore.loaders
import botocore.session
import jmespath  # type: ignore[import-untyped]
from aiobotocore.config import AioConfig
from aiobotocore.httpsession import AIOHTTPSession
from botocore.config import Config
from botocore.exceptions import OperationNotPageableError, PaginationError
from botocore.httpsession import create_urllib3_context, get_cert_path

from driftmgr.adapters.providers.aws.resilience import LaneKey, Resilience

__all__ = ["DEFAULT_REGION", "Response", "Scan", "dedupe_search_paths", "gather", "share_loader"]

T = TypeVar("T")
Response = dict[str, Any]

#: Region used for clients of global services (IAM, S3 ListBuckets, STS) when none is given.
DEFAULT_REGION = "us-east-1"

#: ``PaginationConfig`` keys :meth:`Scan.pages` understands.
_PAGINATION_KEYS = frozenset({"PageSize"})


class Scan:
    """Clients, limits and memoised lookups shared by one account's listings.

    Limits wrap single API calls (one page, one sub-call), never a whole listing, so
    listings that fan out into sub-calls cannot deadlock on them.
    """

    def __init__(
        self,
        session: Callable[[], Any],
        config: Config,
        resilience: Resilience,
        *,
        home_region: str,
        label: str = "default",
        account: str | None = None,
    ) -> None:
        """``session`` makes the aioboto3 session (lazily: a bad profile then fails each
        listing, not the scan); ``label`` names the account in limiter keys; ``account`` is
        the account id when known in advance (an assumed role's)."""
        self.home_region = home_region
        self.label = label
        self.resilience = resilience
        self._make_session = session
        self._config = config
        self._expected_account = account
        self._stack = AsyncExitStack()
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_lock = asyncio.Lock()
        self._shared: dict[str, asyncio.Task[Any]] = {}
        self._timings: dict[str, list[float]] = {}
        """Per service: calls, seconds in calls (overlapping), seconds creating clients."""

    async def __aenter__(self) -> Scan:
        # Started now so the account id is known by the time the first listing returns.
        self._start("account", self._account_id)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for task in self._shared.values():
            task.cancel()
        await asyncio.gather(*self._shared.values(), return_exceptions=True)
        await self._stack.aclose()

    async def client(self, service: str, region: str) -> Any:
        async with self._client_lock:
            key = (service, region)
            if key not in self._clients:
                if self._session is None:
                    self._session = self._make_session()
                # One pooled connection per request the lane may have in flight.
                pool = self.resilience.concurrency_for(service)
                config = _client_config(self._config, pool)
                started = time.perf_counter()
                creator = self._session.client(service, region_name=region, config=config)
                self._clients[key] = await self._stack.enter_async_context(creator)
                self._timing(service)[2] += time.perf_counter() - started
            return self._clients[key]

    def timings(self) -> dict[str, tuple[int, float, float]]:
        """Per service: API calls made, seconds spent in them (they overlap), seconds spent
        creating its clients."""
        return {s: (int(t[0]), t[1], t[2]) for s, t in self._timings.items()}

    def _timing(self, service: str) -> list[float]:
        return self._timings.setdefault(service, [0, 0.0, 0.0])

    async def call(self, client: Any, operation: str, **params: Any) -> Response:
        """One API call: rate-limited, retried, and counted by its lane's circuit breaker."""
        method = getattr(client, operation)
        lane = self._lane(client)
        started = time.perf_counter()
        try:
            response: Response = await self.resilience.call(lane, lambda: method(**params))
        finally:
            timing = self._timing(client.meta.service_model.service_name)
            timing[0] += 1
            timing[1] += time.perf_counter() - started
        return response

    async def pages(self, client: Any, operation: str, **params: Any) -> AsyncIterator[Response]:
        """Every page of ``operation``, each fetched as one :meth:`call`.

        A failed page is retried on its own, from the token that led to it; nothing already
        yielded is fetched twice. ``PaginationConfig`` may set ``PageSize``.
        """
        paging = _paging(client, operation)
        params = dict(params)
        pagination = dict(params.pop("PaginationConfig", None) or {})
        unsupported = sorted(set(pagination) - _PAGINATION_KEYS)
        if unsupported:
            raise ValueError(f"Scan.pages does not support PaginationConfig {unsupported}")
        if "PageSize" in pagination:
            if paging.limit_key is None:
                raise ValueError(f"{operation} takes no page size")
            params[paging.limit_key] = paging.page_size(pagination["PageSize"])
        previous: dict[str, Any] | None = None
        while True:
            page = await self.call(client, operation, **params)
            yield page
            tokens = paging.next_tokens(page)
            if all(token is None for token in tokens.values()):
                return
            if tokens == previous:
                raise PaginationError(message=f"the same next token was received twice: {tokens}")
            previous = tokens
            for name, token in tokens.items():
                if token is None:
                    params.pop(name, None)
                else:
                    params[name] = token

    async def shared(self, key: str, compute: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``compute`` once per scan; every caller awaits the same result or error."""
        # shield: one cancelled listing must not cancel a lookup other listings wait on.
        result: T = await asyncio.shield(self._start(key, compute))
        return result

    def _start(self, key: str, compute: Callable[[], Coroutine[Any, Any, T]]) -> asyncio.Task[T]:
        if key not in self._shared:
            self._shared[key] = asyncio.create_task(compute())
        task: asyncio.Task[T] = self._shared[key]
        return task

    async def account(self) -> str | None:
        account: str | None = await self.shared("account", self._account_id)
        return account

    async def _account_id(self) -> str | None:
        try:
            client = await self.client("sts", self.home_region)
            identity = await self.call(client, "get_caller_identity")
        except Exception:
            # Resources are still worth reporting without it; the listings report the cause.
            return self._expected_account
        return str(identity["Account"])

    def _lane(self, client: Any) -> LaneKey:
        meta = client.meta
        return LaneKey.of(self.label, meta.service_model.service_name, meta.region_name)


def _client_config(config: Config, pool: int) -> Config:
    """``config`` with ``pool`` connections, over HTTP sessions that share one TLS context
    (unless ``config`` chose its own HTTP session class)."""
    merged = config.merge(Config(max_pool_connections=pool))
    chosen = getattr(config, "http_session_cls", AIOHTTPSession)
    return AioConfig(
        connector_args=getattr(config, "connector_args", None),
        http_session_cls=SharedTlsSession if chosen is AIOHTTPSession else chosen,
        **merged._user_provided_options,
    )


class SharedTlsSession(AIOHTTPSession):  # type: ignore[misc]
    """aiobotocore's HTTP session, but every client's connector shares one TLS context.

    The stock session builds a context and loads the whole CA bundle into it for each
    client (~30-90 ms each, whatever the endpoint's scheme): a scan's twenty-odd clients
    spent more time there than in their API calls. A context is safe to share; this one is
    built exactly as aiobotocore builds its own, once per CA bundle. Proxies and client
    certificates keep the stock per-client path.
    """

    def _create_connector(self, proxy_url: str | None) -> aiohttp.TCPConnector:
        if proxy_url or not self._verify or self._cert_file:
            stock: aiohttp.TCPConnector = super()._create_connector(proxy_url)
            return stock
        return aiohttp.TCPConnector(
            limit=self._max_pool_connections,
            ssl=_tls_context(get_cert_path(self._verify)),
            **self._connector_args,
        )


@functools.cache
def _tls_context(ca_bundle: str | None) -> ssl.SSLContext:
    context: ssl.SSLContext = create_urllib3_context()
    if ca_bundle:
        context.load_verify_locations(ca_bundle, None, None)
    return context


class _Paging(NamedTuple):
    """How one operation pages, from botocore's paginator model."""

    input_tokens: tuple[str, ...]
    output_tokens: tuple[Any, ...]  # compiled JMESPath expressions
    more_results: Any
    limit_key: str | None
    limit_is_string: bool
    """Some APIs (Route 53's MaxItems) take the page size as a string."""

    def page_size(self, size: int | str) -> int | str:
        return str(size) if self.limit_is_string else int(size)

    def next_tokens(self, page: Response) -> dict[str, Any]:
        # As botocore's PageIterator: no "more results" flag means no next page; an empty
        # token means none.
        if self.more_results is not None and not self.more_results.search(page):
            return {}
        return {
            name: expression.search(page) or None
            for name, expression in zip(self.input_tokens, self.output_tokens, strict=True)
        }


def _paging(client: Any, operation: str) -> _Paging:
    if not client.can_paginate(operation):
        raise OperationNotPageableError(operation_name=operation)
    model = client.meta.service_model
    api_name = client.meta.method_to_api_mapping[operation]
    paging = _paging_for(model.service_name, model.api_version, api_name)
    if paging.limit_key is not None:
        members = model.operation_model(api_name).input_shape.members
        limit_is_string = members[paging.limit_key].type_name == "string"
        paging = paging._replace(limit_is_string=limit_is_string)
    return paging


@functools.cache
def _paging_for(service: str, api_version: str, api_name: str) -> _Paging:
    config = _botocore_session().get_paginator_model(service, api_version).get_paginator(api_name)

    def names(value: str | list[str]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    more = config.get("more_results")
    return _Paging(
        input_tokens=names(config["input_token"]),
        output_tokens=tuple(jmespath.compile(e) for e in names(config["output_token"])),
        more_results=jmespath.compile(more) if more else None,
        limit_key=config.get("limit_key"),
        limit_is_string=False,
    )


@functools.cache
def _botocore_session() -> Any:
    # Only its data loader is used: the paginator models shipped with botocore.
    return share_loader(botocore.session.get_session())


def share_loader(session: Any) -> Any:
    """``session`` (botocore's, or aiobotocore's) reading botocore's data files through
    the one loader of this process, and returned.

    Each session otherwise parses its own copy of every model it uses (endpoints.json alone
    is 1.2 MB): the access probe, every scan and the paginator lookups above would each
    pay again. boto3 and aioboto3 sessions append their own data folder to the loader's
    search path; duplicates are dropped so that the shared path does not grow.
    """
    loader = _shared_loader(session.get_config_variable("data_path"))
    session.register_component("data_loader", loader)
    return session


def dedupe_search_paths(session: Any) -> None:
    """Drop the duplicate folders boto3/aioboto3 sessions appended to the shared loader."""
    paths = session._session.get_component("data_loader").search_paths
    paths[:] = list(dict.fromkeys(paths))


@functools.cache
def _shared_loader(data_path: str | None) -> botocore.loaders.Loader:
    return botocore.loaders.create_loader(data_path)


async def gather(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Await all; on the first failure cancel the rest and raise that failure itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_wrap(c)) for c in coros]
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable
