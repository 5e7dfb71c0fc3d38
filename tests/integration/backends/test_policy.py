"""The source policy: a server reads only what its operator chose, and says no the same way.

Real files, real sockets: local listeners count the connections they accept, and an audit
hook (``sys.addaudithook``) records every file opened, directory listed and socket connected
while a test asks for it, so "refused before anything was touched" is observed, not assumed.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from driftmgr.adapters.terraform.backends import (
    InvalidSourceURI,
    SourceError,
    SourceNotAllowed,
    SourcePolicy,
    expand_sources,
    fetch_state,
)
from driftmgr.adapters.terraform.backends.policy import (
    DIRECTORY_REFUSAL,
    LOCAL_REFUSAL,
    is_public_address,
)
from driftmgr.adapters.terraform.discovery import DiscoveryError, discover
from driftmgr.bootstrap import bootstrap
from driftmgr.commands.state import prepare_states
from driftmgr.settings import ConfigurationError, Settings
from tests.integration.backends.conftest import state
from tests.support.http_backend import HttpBackend

CREDENTIALS = ("terraform", "s3cr3t-pa55")
BASIC = "Basic " + base64.b64encode(":".join(CREDENTIALS).encode()).decode()

# --- observing the process -----------------------------------------------------------------

_WATCHED = {"open", "os.listdir", "os.scandir", "socket.connect"}
_recorders: list[list[tuple[str, str]]] = []


class BlockedConnect(ConnectionRefusedError):
    """Raised by the audit hook: a connection to anything but loopback never leaves."""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _recorders or event not in _WATCHED:
        return
    target = args[1] if event == "socket.connect" else args[0]
    shown = os.fsdecode(target) if isinstance(target, str | bytes) else repr(target)
    _recorders[-1].append((event, shown))
    if event == "socket.connect" and not _is_loopback(target):
        # Should the policy ever let one through, the test fails without sending a packet.
        raise BlockedConnect(f"the test blocked a connection to {shown}")


def _is_loopback(address: Any) -> bool:
    try:
        return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
    except (ValueError, TypeError, IndexError):
        return False


# An audit hook cannot be removed: it acts only while a test's `touched()` block runs.
sys.addaudithook(_audit)


@contextmanager
def touched() -> Iterator[list[tuple[str, str]]]:
    """Every (event, target) of a file open, directory listing or socket connect inside;
    a connection to a non-loopback address is blocked (and recorded)."""
    events: list[tuple[str, str]] = []
    _recorders.append(events)
    try:
        yield events
    finally:
        _recorders.remove(events)


def under(events: list[tuple[str, str]], *places: Path | str) -> list[tuple[str, str]]:
    """The file events on ``places`` (imports open files of their own, elsewhere)."""
    prefixes = tuple(str(p) for p in places)
    return [(e, t) for e, t in events if e != "socket.connect" and t.startswith(prefixes)]


def connects(events: list[tuple[str, str]]) -> list[str]:
    return [t for e, t in events if e == "socket.connect"]


# --- local paths ---------------------------------------------------------------------------


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """A state root with one state, and a valid state outside it that must stay unreadable."""
    root = tmp_path / "root"
    (root / "stack").mkdir(parents=True)
    (root / "stack" / "terraform.tfstate").write_bytes(state("inside"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tfstate").write_bytes(state("outside"))
    return {"tmp": tmp_path, "root": root, "outside": outside}


def server_policy(*roots: Path, hosts: tuple[str, ...] = ()) -> SourcePolicy:
    return SourcePolicy.server(Settings(state_roots=roots, allowed_hosts=hosts))


def refusals(layout: dict[str, Path]) -> list[str]:
    tmp, root, outside = layout["tmp"], layout["root"], layout["outside"]
    (root / "link.tfstate").symlink_to(outside / "secret.tfstate")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    return [
        "/etc/passwd",
        "tfstate:///etc/passwd",
        "/etc/*",
        "tfstate:///etc/**/*.conf",
        f"{tmp}/missing.tfstate",
        f"{tmp}/missing/**/*.tfstate",
        f"{outside}/secret.tfstate",
        f"{outside}/*.tfstate",
        f"{root}/../outside/secret.tfstate",
        f"{root}/stack/../../outside/secret.tfstate",
        f"{root}/link.tfstate",
        f"{root}/linkdir/secret.tfstate",
        f"{root}/linkdir/*.tfstate",
        "/",
    ]


def test_every_path_outside_the_roots_gets_the_same_refusal_and_nothing_is_opened(
    layout: dict[str, Path],
) -> None:
    policy = server_policy(layout["root"])
    messages = set()
    with touched() as events:
        for uri in refusals(layout):
            with pytest.raises(SourceNotAllowed) as expanded:
                expand_sources(uri, policy, workspaces=True)
            messages.add(str(expanded.value))
            if "*" not in uri:
                with pytest.raises(SourceNotAllowed) as fetched:
                    fetch_state(uri, policy)
                messages.add(str(fetched.value))
    assert messages == {LOCAL_REFUSAL}
    assert under(events, "/etc", layout["tmp"]) == []


def test_inside_a_root_paths_and_globs_are_read(layout: dict[str, Path]) -> None:
    root = layout["root"]
    policy = server_policy(root)
    with touched() as events:
        assert fetch_state(f"{root}/stack/terraform.tfstate", policy) == state("inside")
    # The audit hook sees a read when there is one: the refusals above are not blind.
    assert ("open", f"{root}/stack/terraform.tfstate") in events
    [found] = expand_sources(f"tfstate://{root}/**/*.tfstate", policy)
    assert found.uri == f"tfstate://{root}/stack/terraform.tfstate"


def test_a_glob_inside_a_root_that_matches_a_symlink_out_of_it_is_refused(
    layout: dict[str, Path],
) -> None:
    root, outside = layout["root"], layout["outside"]
    (root / "stack" / "leak.tfstate").symlink_to(outside / "secret.tfstate")
    policy = server_policy(root)
    with pytest.raises(SourceNotAllowed) as refused:
        expand_sources(f"{root}/**/*.tfstate", policy)
    assert str(refused.value) == LOCAL_REFUSAL


def test_a_server_takes_absolute_paths_only_and_never_expands_a_home(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout["root"])
    monkeypatch.setenv("HOME", str(layout["root"]))
    policy = server_policy(layout["root"])
    for relative in ("stack/terraform.tfstate", "tfstate://./stack/*.tfstate", "~/stack/x"):
        with pytest.raises(InvalidSourceURI, match="must be absolute"):
            expand_sources(relative, policy)
    # The local user's CLI resolves the same strings against their own directories.
    local = SourcePolicy.local()
    assert fetch_state("stack/terraform.tfstate", local) == state("inside")
    assert fetch_state("~/stack/terraform.tfstate", local) == state("inside")


def test_the_default_policy_reads_no_local_path(layout: dict[str, Path]) -> None:
    with pytest.raises(SourceNotAllowed):
        fetch_state(f"{layout['root']}/stack/terraform.tfstate", SourcePolicy())


def test_content_sent_by_a_client_is_never_read_from_its_source_label(
    layout: dict[str, Path],
) -> None:
    root, outside = layout["root"], layout["outside"]
    (root / "link.tfstate").symlink_to(outside / "secret.tfstate")
    policy = server_policy(root)
    with touched() as events:
        [etc] = prepare_states("/etc/passwd", state("sent").decode(), policy=policy)
        [linked] = prepare_states(f"{root}/link.tfstate", state("sent").decode(), policy=policy)
    assert under(events, "/etc", layout["tmp"]) == []
    assert etc.source.uri == "tfstate:///etc/passwd" and etc.parsed.lineage == "sent"
    # The label is normalised as written: the symlink is not followed to tell where it goes.
    assert linked.source.uri == f"tfstate://{root}/link.tfstate"


# --- discovery -------------------------------------------------------------------------------


def test_discovery_outside_the_roots_is_refused_alike_and_lists_nothing(
    layout: dict[str, Path],
) -> None:
    policy = server_policy(layout["root"])
    (layout["root"] / "linkdir").symlink_to(layout["outside"], target_is_directory=True)
    messages = set()
    with touched() as events:
        for path in (
            "/",
            "/etc",
            str(layout["outside"]),
            str(layout["tmp"] / "missing"),
            str(layout["root"] / ".." / "outside"),
            str(layout["root"] / "linkdir"),
        ):
            with pytest.raises(DiscoveryError) as refused:
                discover(Path(path), policy=policy)
            messages.add(str(refused.value))
    assert messages == {DIRECTORY_REFUSAL}
    assert [e for e in events if e[0] in ("os.scandir", "os.listdir")] == []


def test_discovery_inside_a_root_works_and_reads_no_server_environment(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = layout["root"]
    unit = root / "live" / "app"
    unit.mkdir(parents=True)
    (unit / "terragrunt.hcl").write_text(
        'remote_state {\n  backend = "s3"\n  config = {\n    bucket = "b"\n'
        '    key = "${get_env("SERVER_SECRET", "none")}/terraform.tfstate"\n  }\n}\n'
        "terraform {}\n"
    )
    monkeypatch.setenv("SERVER_SECRET", "from-the-server-environment")
    result = discover(root, policy=server_policy(root))
    assert {s.uri for s in result.sources} == {
        f"tfstate://{root}/stack/terraform.tfstate",
        "tfstate+s3://b/none/terraform.tfstate",
    }
    # The local user's CLI evaluates get_env from its own environment.
    local = discover(root, policy=SourcePolicy.local())
    assert "tfstate+s3://b/from-the-server-environment/terraform.tfstate" in [
        s.uri for s in local.sources
    ]


def test_terragrunt_files_outside_the_roots_are_not_read(layout: dict[str, Path]) -> None:
    root, outside = layout["root"], layout["outside"]
    (outside / "common.hcl").write_text('locals {\n  bucket = "leaked-from-outside"\n}\n')
    unit = root / "app"
    unit.mkdir()
    (unit / "terragrunt.hcl").write_text(
        'locals {\n  common = read_terragrunt_config("../../outside/common.hcl")\n}\n'
        'remote_state {\n  backend = "s3"\n  config = {\n    bucket = local.common.locals.bucket\n'
        '    key = "app.tfstate"\n  }\n}\nterraform {}\n'
    )
    with touched() as events:
        served = discover(root, policy=server_policy(root))
    assert "leaked-from-outside" not in repr(served)
    assert under(events, outside) == []
    assert any(
        "leaked-from-outside" in s.uri for s in discover(root, policy=SourcePolicy.local()).sources
    )


# --- hosts and addresses -----------------------------------------------------------------------


@pytest.fixture
def listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpBackend]:
    for name in ("TF_HTTP_ADDRESS", "TF_HTTP_USERNAME", "TF_HTTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with HttpBackend() as backend:
        backend.states["/x"] = state("served")
        yield backend


def test_a_server_fetches_no_host_the_operator_did_not_list(listener: HttpBackend) -> None:
    uri = f"tfstate+{listener.url}/x"
    with touched() as events, pytest.raises(SourceNotAllowed, match="DRIFTMGR_ALLOWED_HOSTS"):
        fetch_state(uri, server_policy())
    assert listener.connections == 0 and connects(events) == []
    with pytest.raises(SourceNotAllowed):
        expand_sources(uri, server_policy())  # refused before any fetch, too
    # Listed (host:port), it is fetched: the counter and the hook would have seen it.
    with touched() as events:
        listed = server_policy(hosts=(f"127.0.0.1:{listener.port}",))
        assert fetch_state(uri, listed) == state("served")
    assert listener.connections == 1 and len(connects(events)) == 1


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "127.0.0.2",
        "0.0.0.0",
        "169.254.169.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "[::1]",
        "[::]",
        "[fd00:ec2::254]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::a9fe:a9fe]",
        "[2002:a9fe:a9fe::1]",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_before_any_connection(
    host: str, listener: HttpBackend
) -> None:
    # "*" lets a server fetch from any host, but only at public addresses.
    policy = server_policy(hosts=("*",))
    port = listener.port if host in ("127.0.0.1", "localhost") else 80
    with touched() as events, pytest.raises(SourceNotAllowed, match="not a public address"):
        fetch_state(f"tfstate+http://{host}:{port}/x", policy)
    assert connects(events) == []
    assert listener.connections == 0


def test_public_addresses_are_recognised() -> None:
    assert all(is_public_address(a) for a in ("8.8.8.8", "2606:4700::1111", "1.1.1.1"))


def test_a_redirect_to_a_host_that_is_not_listed_is_refused_before_connecting(
    listener: HttpBackend,
) -> None:
    with HttpBackend(host="127.0.0.2") as other:
        other.states["/x"] = state("other")
        listener.redirects["/moved"] = f"{other.url}/x"
        policy = server_policy(hosts=(f"127.0.0.1:{listener.port}",))
        with pytest.raises(SourceNotAllowed, match="redirected to a host that is not in"):
            fetch_state(f"tfstate+{listener.url}/moved", policy)
        assert (listener.connections, other.connections) == (1, 0)
        # Listed too, the same redirect is followed: the refusal above was the policy's.
        both = server_policy(hosts=(f"127.0.0.1:{listener.port}", f"127.0.0.2:{other.port}"))
        assert fetch_state(f"tfstate+{listener.url}/moved", both) == state("other")
        assert other.connections == 1


def test_a_redirect_to_a_private_address_of_an_allowed_host_is_refused(
    listener: HttpBackend,
) -> None:
    with HttpBackend() as other:
        listener.redirects["/moved"] = f"{other.url}/x"
        listener.redirects["/metadata"] = "http://169.254.169.254/latest/meta-data/"
        # The first hop is listed exactly; "*" admits the second host, but not its address.
        policy = server_policy(hosts=(f"127.0.0.1:{listener.port}", "*"))
        with touched() as events:
            for path in ("/moved", "/metadata"):
                with pytest.raises(SourceNotAllowed, match="redirected to is not a public"):
                    fetch_state(f"tfstate+{listener.url}{path}", policy)
        assert other.connections == 0
        assert connects(events) == [repr(("127.0.0.1", listener.port))] * 2


def test_redirects_are_followed_five_times_at_most_and_only_to_http(
    listener: HttpBackend,
) -> None:
    listener.redirects["/loop"] = "/loop"
    listener.redirects["/file"] = "file:///etc/passwd"
    policy = SourcePolicy.local()
    with pytest.raises(SourceError, match="more than 5 redirects"):
        fetch_state(f"tfstate+{listener.url}/loop", policy)
    assert len(listener.requests) == 6
    with pytest.raises(SourceNotAllowed, match="only http and https"):
        fetch_state(f"tfstate+{listener.url}/file", policy)


def test_malformed_allowed_hosts_fail_at_start_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="DRIFTMGR_ALLOWED_HOSTS"):
        server_policy(hosts=("http://example.com/",))
    settings = Settings.from_env(
        {
            "DRIFTMGR_STATE_ROOTS": f"/srv/a{os.pathsep}/srv/b,/srv/c",
            "DRIFTMGR_ALLOWED_HOSTS": "a.example, *.b.example",
        }
    )
    assert settings.state_roots == (Path("/srv/a"), Path("/srv/b"), Path("/srv/c"))
    assert settings.allowed_hosts == ("a.example", "*.b.example")


# --- credentials -------------------------------------------------------------------------------


@pytest.fixture
def credentialed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HttpBackend, HttpBackend]]:
    """A (the TF_HTTP_ADDRESS, needing basic auth) and B (another host), both serving /x."""
    with HttpBackend(credentials=CREDENTIALS) as a, HttpBackend(host="127.0.0.2") as b:
        a.states["/x"] = state("a")
        b.states["/x"] = state("b")
        monkeypatch.setenv("TF_HTTP_ADDRESS", f"{a.url}/x")
        monkeypatch.setenv("TF_HTTP_USERNAME", CREDENTIALS[0])
        monkeypatch.setenv("TF_HTTP_PASSWORD", CREDENTIALS[1])
        yield a, b


@pytest.mark.parametrize("mode", ["server", "local"])
def test_tf_http_credentials_go_only_to_the_origin_of_tf_http_address(
    credentialed: tuple[HttpBackend, HttpBackend], mode: str
) -> None:
    a, b = credentialed
    policy = (
        server_policy(hosts=(f"127.0.0.1:{a.port}", f"127.0.0.2:{b.port}"))
        if mode == "server"
        else SourcePolicy.local()
    )
    assert fetch_state(f"tfstate+{a.url}/x", policy) == state("a")
    assert fetch_state(f"tfstate+{b.url}/x", policy) == state("b")
    a.redirects["/moved"] = f"{b.url}/x"
    assert fetch_state(f"tfstate+{a.url}/moved", policy) == state("b")
    assert [auth for _, _, auth in a.requests] == [BASIC, BASIC]
    assert [auth for _, _, auth in b.requests] == [None, None]


def test_the_same_host_on_another_port_is_another_origin(
    credentialed: tuple[HttpBackend, HttpBackend],
) -> None:
    # A's host (127.0.0.1) on another port: not TF_HTTP_ADDRESS's origin.
    with HttpBackend() as c:
        c.states["/x"] = state("c")
        assert fetch_state(f"tfstate+{c.url}/x", SourcePolicy.local()) == state("c")
        assert [auth for _, _, auth in c.requests] == [None]


# --- through the HTTP API --------------------------------------------------------------------


@pytest.fixture
def api(layout: dict[str, Path]) -> Iterator[Callable[..., Any]]:
    """A server's app (the default, server policy) with ``layout['root']`` as its state root."""
    from driftmgr.http.app import create_app
    from driftmgr.http.auth import LocalTrust

    settings = Settings(data_dir=layout["tmp"] / "store", state_roots=(layout["root"],))
    services = bootstrap(settings, providers={})
    app = create_app(services, auth=LocalTrust(actor="api@test"), run_background=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client.post
    finally:
        services.close()


def test_the_api_answers_the_same_for_an_existing_and_a_missing_path(
    api: Callable[..., Any], layout: dict[str, Path]
) -> None:
    answers = [
        api("/api/v1/states", json={"source": source})
        for source in (
            "/etc/passwd",
            "/etc/*",
            f"{layout['tmp']}/missing.tfstate",
            f"{layout['outside']}/secret.tfstate",
        )
    ]
    assert {a.status_code for a in answers} == {422}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["detail"] == LOCAL_REFUSAL
    inside = api("/api/v1/states", json={"source": f"{layout['root']}/stack/terraform.tfstate"})
    assert inside.status_code == 202, inside.text


def test_the_api_scans_no_directory_outside_the_roots(
    api: Callable[..., Any], layout: dict[str, Path]
) -> None:
    answers = [
        api("/api/v1/states/discover", json={"path": path})
        for path in ("/", "/etc", f"{layout['tmp']}/missing")
    ]
    assert {a.status_code for a in answers} == {422}
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["detail"] == DIRECTORY_REFUSAL
    inside = api("/api/v1/states/discover", json={"path": str(layout["root"])})
    assert inside.status_code == 200, inside.text
