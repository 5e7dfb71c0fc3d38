"""The backoff every cloud adapter's retry policy shares: full jitter, and one validation.

Shared because the formula is AWS's recommendation for many clients contending for one
rate bucket and applies to every cloud alike; what differs per cloud (whether and how a
``Retry-After`` is read, the defaults) stays in each adapter.
"""

from __future__ import annotations

import random

__all__ = ["check_retry_policy", "full_jitter"]


def full_jitter(retry: int, base_delay: float, max_delay: float, rng: random.Random) -> float:
    """A uniform sleep up to the exponential ceiling ``min(max_delay, base·2ʳ⁻¹)``."""
    ceiling = min(max_delay, base_delay * 2 ** (retry - 1))
    return rng.uniform(0.0, ceiling)


def check_retry_policy(attempts: int, base_delay: float, max_delay: float, budget: float) -> None:
    """Refuse a policy that would never try, sleep backwards, or have no time at all."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if base_delay < 0 or max_delay < 0 or budget <= 0:
        raise ValueError("delays must not be negative and the budget must be positive")
