"""Leaf-by-leaf differences between recorded and observed values."""

from __future__ import annotations

from driftmgr.domain.drift.diff import diff_values


def test_map_keys_are_reported_at_their_own_paths() -> None:
    changes = diff_values("", {"tags": {"Name": "a"}}, {"tags": {"Name": "b", "Env": "x"}})
    assert [(c.path, c.expected, c.actual) for c in changes] == [
        ("tags.Env", None, "x"),
        ("tags.Name", "a", "b"),
    ]


def test_list_positions_are_reported_by_index() -> None:
    changes = diff_values("ports", [80, 443], [80, 8443])
    assert [(c.path, c.expected, c.actual) for c in changes] == [("ports[1]", 443, 8443)]


def test_a_list_grown_by_a_null_is_still_a_change() -> None:
    # No leaf differs (a missing position reads as null), yet the list did change length.
    changes = diff_values("description", [True], [True, None])
    assert [(c.path, c.expected, c.actual) for c in changes] == [
        ("description", [True], [True, None])
    ]


def test_equal_values_have_no_changes() -> None:
    assert diff_values("", {"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}) == []
