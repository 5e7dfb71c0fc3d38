"""API tokens: secrets shown once and stored as hashes, unique names, roles and permissions."""

from __future__ import annotations

import hashlib

import pytest

from driftmgr.domain.api_token import (
    ApiToken,
    InvalidToken,
    TokenConflict,
    TokenName,
    looks_like_token,
    secret_digest,
)
from driftmgr.domain.base import Cause
from driftmgr.domain.roles import ROLES, permissions_of

CAUSE = Cause(actor="tester")


def test_a_token_keeps_only_the_hash_of_its_secret() -> None:
    token, secret = ApiToken.issue(name="ci", role="operator", cause=CAUSE)
    assert looks_like_token(secret) and secret.startswith("dmt_")
    assert (
        token.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest() == secret_digest(secret)
    )
    (issued,) = token.collect_events()
    assert secret not in repr(vars(issued))
    assert issued.hint == secret[-4:] and issued.actor == "tester"
    other, other_secret = ApiToken.issue(name="ci", role="operator", cause=CAUSE)
    assert other_secret != secret and other.secret_sha256 != token.secret_sha256


@pytest.mark.parametrize("name", ["", " ci", "a b", "x" * 101, "-lead", "tab\t", "esc\x1b[31m"])
def test_a_token_name_must_be_plain(name: str) -> None:
    with pytest.raises(InvalidToken, match="token name"):
        ApiToken.issue(name=name, role="viewer", cause=CAUSE)


def test_a_token_role_must_be_one_of_the_four() -> None:
    with pytest.raises(InvalidToken, match="unknown role 'root'"):
        ApiToken.issue(name="ci", role="root", cause=CAUSE)


def test_a_token_is_revoked_once() -> None:
    token, _ = ApiToken.issue(name="ci", role="viewer", cause=CAUSE)
    token.revoke(reason="rotated", cause=CAUSE)
    assert token.revoked
    with pytest.raises(TokenConflict, match="already revoked"):
        token.revoke(reason="again", cause=CAUSE)


def test_a_name_is_held_by_one_active_token_at_a_time() -> None:
    first, _ = ApiToken.issue(name="ci", role="viewer", cause=CAUSE)
    second, _ = ApiToken.issue(name="ci", role="viewer", cause=CAUSE)
    name = TokenName(name="ci", actor="tester", correlation_id=CAUSE.correlation_id)
    assert name.id == TokenName.create_id("ci") != TokenName.create_id("cd")
    name.claim(first.id, CAUSE)
    with pytest.raises(TokenConflict, match="already named 'ci'"):
        name.claim(second.id, CAUSE)
    name.release(second.id, CAUSE)  # not the holder: changes nothing
    assert name.holder == first.id
    name.release(first.id, CAUSE)
    name.claim(second.id, CAUSE)
    assert name.holder == second.id


@pytest.mark.parametrize(
    "value",
    ["dmt_short", "dmt_" + "a" * 42, "dmt_" + "a" * 44, "xyz_" + "a" * 43, "dmt_" + "!" * 43],
)
def test_only_well_formed_tokens_look_like_tokens(value: str) -> None:
    assert not looks_like_token(value)


def test_roles_grant_what_the_issue_states() -> None:
    assert ROLES == ("viewer", "operator", "approver", "auditor", "admin")
    assert permissions_of("viewer") == {"read"}
    assert permissions_of("operator") == {"read", "command"}
    assert permissions_of("approver") == {"read", "approve"}  # approvers do not run commands
    # The audit log shows every actor's activity: auditors and admins, not every reader.
    assert permissions_of("auditor") == {"read", "audit"}
    assert permissions_of("admin") == {"read", "command", "approve", "audit", "admin"}
    assert permissions_of("root") == frozenset()
