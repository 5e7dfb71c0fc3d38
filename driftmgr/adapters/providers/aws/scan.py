"""What one scan shares between its listings: clients, limits and memoised lookups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from typing import Any, TypeVar

import aioboto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["DEFAULT_REGION", "Response", "Scan", "gather"]

T = TypeVar("T")
Response = dict[str, Any]

#: Region used for clients of global services (IAM, S3 ListBuckets, STS) when none is given.
DEFAULT_REGION = "us-east-1"


class Scan:
    """Clients, the concurrency bound and memoised lookups shared by one scan's listings.

    The semaphore wraps single API calls (one page, one sub-call), never a whole listing, so
    listings that fan out into sub-calls cannot deadlock on it.
    """

    def __init__(
        self, profile: str | None, config: Config, max_concurrency: int, home_region: str
    ) -> None:
        self.home_region = home_region
        self._profile = profile
        self._config = config
        self._limit = asyncio.Semaphore(max_concurrency)
        self._stack = AsyncExitStack()
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_lock = asyncio.Lock()
        self._shared: dict[str, asyncio.Task[Any]] = {}

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
                    # Created lazily: a bad profile then fails each listing, not the scan.
                    self._session = aioboto3.Session(profile_name=self._profile)
                creator = self._session.client(service, region_name=region, config=self._config)
                self._clients[key] = await self._stack.enter_async_context(creator)
            return self._clients[key]

    async def call(self, client: Any, operation: str, **params: Any) -> Response:
        async with self._limit:
            response: Response = await getattr(client, operation)(**params)
            return response

    async def pages(self, client: Any, operation: str, **params: Any) -> AsyncIterator[Response]:
        pages = aiter(client.get_paginator(operation).paginate(**params))
        while True:
            async with self._limit:
                try:
                    page: Response = await anext(pages)
                except StopAsyncIteration:
                    return
            yield page

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
        except (BotoCoreError, ClientError):
            # Resources are still worth reporting without it; the listings report the cause.
            return None
        return str(identity["Account"])


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
