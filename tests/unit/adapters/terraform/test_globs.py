"""The glob matcher: gitignore's answers (anchored, whole keys), in polynomial time."""

from __future__ import annotations

import fnmatch

import pathspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftmgr.adapters.terraform.backends.errors import SourceError
from driftmgr.adapters.terraform.backends.globs import KeyGlob, capped

segment_patterns = st.text(alphabet="ab*", min_size=1, max_size=8)
names = st.text(alphabet="ab", min_size=1, max_size=8)
patterns = st.lists(st.text(alphabet="ab*?[", min_size=1, max_size=4), min_size=1, max_size=4)
keys = st.lists(st.text(alphabet="ab", min_size=1, max_size=3), min_size=1, max_size=4)


def gitignore_matches(pattern: str, key: str) -> bool:
    """The matcher driftmgr used before (pathspec, whose regex backtracks), as an oracle."""
    escaped = "".join("\\" + c if c in "\\?[]" else c for c in pattern)
    open_ended = pattern == "**" or pattern.endswith("/**")
    line = "/" + escaped if open_ended else f"/{escaped}/\x00"
    spec = pathspec.GitIgnoreSpec.from_lines([line])
    return spec.match_file(key if open_ended else f"{key}/\x00")


@given(segment_patterns, names)
def test_one_segment_matches_as_fnmatch_does(pattern: str, name: str) -> None:
    assert KeyGlob(pattern).matches(name) == fnmatch.fnmatchcase(name, pattern)


@given(patterns, keys)
def test_paths_match_as_gitignore_anchored_at_the_root(
    parts: list[str], segments: list[str]
) -> None:
    pattern, key = "/".join(parts), "/".join(segments)
    assert KeyGlob(pattern).matches(key) == gitignore_matches(pattern, key)


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("*.tfstate", "prod.tfstate", True),
        ("*.tfstate", "envs/prod.tfstate", False),  # anchored: top level only
        ("envs/*", "envs/a/b", False),  # whole keys, not a parent directory's match
        ("envs/**", "envs/a/b", True),
        ("envs/**", "envs", False),
        ("a/**/b", "a/b", True),
        ("**/terraform.tfstate", "x/y/terraform.tfstate", True),
        ("state?.tfstate", "state?.tfstate", True),  # only * is a wildcard
        ("state?.tfstate", "state1.tfstate", False),
        ("envs/*", "envs/", False),  # a console-made folder marker
    ],
)
def test_examples(pattern: str, key: str, expected: bool) -> None:
    assert KeyGlob(pattern).matches(key) is expected


def test_twenty_five_wildcards_against_a_near_miss_finish() -> None:
    # Exponential for a backtracking regex: this used to hang a server for hours.
    glob = KeyGlob("*a" * 25 + "b")
    assert not glob.matches("a" * 200)
    assert glob.matches("a" * 60 + "b")
    assert not KeyGlob("**/" * 25 + "*a" * 25 + "b").matches("/".join(["a" * 30] * 25))


def test_a_listing_past_the_cap_is_refused() -> None:
    assert list(capped(["a", "b"], "src", limit=2)) == ["a", "b"]
    with pytest.raises(SourceError, match="more than 2 files or objects; narrow it"):
        list(capped(["a", "b", "c"], "src", limit=2))
