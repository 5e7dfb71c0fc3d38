"""Schemathesis hooks for tests/e2e/test_api_contract.py (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import os
from typing import Any

import schemathesis

#: Stands in for the run's own token id: revoking it would turn every later answer into 401.
OTHER_TOKEN = "00000000-0000-4000-8000-000000000000"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    own = os.environ["DRIFTMGR_CONTRACT_TOKEN_ID"]
    parameters = case.path_parameters or {}
    if str(parameters.get("token_id", "")).lower() == own:
        parameters["token_id"] = OTHER_TOKEN
    url = kwargs.get("url")
    if isinstance(url, str) and own in url:
        kwargs["url"] = url.replace(own, OTHER_TOKEN)
