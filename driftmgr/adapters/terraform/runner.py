"""Running the terraform CLI: finding it, its environment, its time limit, its errors, and
``recreate`` (a targeted plan, then an apply of exactly that plan).

Every run gets an argument list (never a shell), a time limit and an environment reduced to
what terraform and its providers need (:func:`terraform_env`): driftmgr's own settings and
secrets never reach it. On timeout terraform gets SIGINT first, as a user's Ctrl-C, so that
it stops cleanly and releases the state lock; only if it is still running after a grace
period is its process group killed.

Plans hold attribute values, secrets included: :func:`recreate` writes its plan file to a
private temporary directory, deleted afterwards, and keeps (and logs) only the plan's
summary line, never its body.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from driftmgr.domain.remediation import NotRemediable

__all__ = [
    "Completed",
    "TerraformError",
    "TerraformFailed",
    "TerraformNotFound",
    "TerraformNotInitialised",
    "TerraformOutcome",
    "TerraformTimedOut",
    "check_initialised",
    "find_terraform",
    "first_error",
    "needs_init",
    "not_a_recreation",
    "recreate",
    "run_terraform",
    "terraform_env",
]

_log = logging.getLogger(__name__)

#: After SIGINT on timeout, how long terraform may take to stop and unlock its state.
_INTERRUPT_GRACE_S = 60.0

#: Variables passed through as they are: the process basics, proxies and certificates, and
#: the Go runtime's settings (terraform and its providers are Go programs; GOMEMLIMIT keeps
#: the aws provider's 600 MB inside a container's limit).
_KEPT_NAMES = frozenset(
    {
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TEMP", "TMP", "TZ", "LANG",
        "LC_ALL", "LC_CTYPE", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
        "http_proxy", "https_proxy", "no_proxy", "KUBECONFIG", "GOGC", "GOMEMLIMIT",
        "GOMAXPROCS",
    }
)  # fmt: skip
#: Prefixes of what terraform and the usual providers read: TF_* (the CLI config, TF_VAR_*,
#: the data dir, the workspace) and the clouds' credentials and settings.
_KEPT_PREFIXES = ("TF_", "AWS_", "ARM_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "GCLOUD_")
#: Kept out even so: debug logs print requests and responses, secrets included.
_DROPPED = frozenset({"TF_LOG", "TF_LOG_PATH", "TF_LOG_CORE", "TF_LOG_PROVIDER"})
_AUTOMATION = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}

#: What terraform says when a directory needs ``terraform init`` (again).
_NEEDS_INIT = re.compile(
    r"terraform init|Backend initialization required|Inconsistent dependency lock file|"
    r"Module not installed|Missing required provider|required plugins are not installed",
    re.IGNORECASE,
)
_PLAN_LINE = re.compile(r"^(Plan: .*|No changes\..*)$", re.MULTILINE)
_APPLY_LINE = re.compile(r"^(Apply complete!.*)$", re.MULTILINE)
_COUNT = re.compile(r"(\d+) to (import|add|change|destroy)")
_ADDRESS = re.compile(
    r"^(?:module\.[A-Za-z_][\w-]*(?:\[[^\]]+\])?\.)*[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
    r'(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?$'
)


class TerraformError(NotRemediable):
    """terraform could not do what was asked; the message says why and what to do."""


class TerraformNotFound(TerraformError):
    """There is no terraform to run."""


class TerraformNotInitialised(TerraformError):
    """The directory needs ``terraform init`` before terraform can plan in it."""


class TerraformTimedOut(TerraformError):
    """A command ran past its time limit and was interrupted."""


class TerraformFailed(TerraformError):
    """A command exited with an error; :attr:`outcome` has what terraform said."""

    def __init__(self, message: str, outcome: TerraformOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class Completed:
    """A finished terraform command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class TerraformOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`recreate` did. Holds no plan body: only summary lines and the apply's
    progress messages (resource addresses and ids, and terraform's errors)."""

    address: str
    ok: bool
    changed: bool
    """False when the plan had nothing to do (the object is there as the code says)."""
    plan_summary: str
    """``Plan: 1 to add, 0 to change, 0 to destroy.`` or ``No changes. …``"""
    summary: str
    """``Apply complete! Resources: 1 added, …`` or, on failure, the error's first line."""
    output: str
    """The apply's output without its ``Outputs:`` section, and terraform's diagnostics."""
    seconds: float


def find_terraform(terraform: str | None = None) -> str:
    """The terraform executable to run: ``terraform`` itself if given, else the one on PATH."""
    found = shutil.which(terraform or "terraform")
    if found is None:
        if terraform:
            raise TerraformNotFound(f"terraform not found at {terraform}")
        raise TerraformNotFound(
            "terraform is not on PATH: install Terraform 1.5 or newer "
            "(https://developer.hashicorp.com/terraform/install) and try again"
        )
    return found


def terraform_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's environment) reduced to what terraform needs.

    Kept: PATH, HOME, locale, proxies and certificates, the Go runtime's ``GOGC``,
    ``GOMEMLIMIT`` and ``GOMAXPROCS``, ``TF_*`` and the clouds' own variables (``AWS_*``,
    ``ARM_*``, ``GOOGLE_*`` …). Dropped: everything else, driftmgr's settings and secrets
    first, and ``TF_LOG*`` (debug logs print secrets). Added: the variables that make
    terraform non-interactive and keep it from phoning home.
    """
    source = os.environ if env is None else env
    kept = {
        name: value
        for name, value in source.items()
        if (name in _KEPT_NAMES or name.startswith(_KEPT_PREFIXES)) and name not in _DROPPED
    }
    kept.update(_AUTOMATION)
    return kept


def check_initialised(tf_dir: Path, env: Mapping[str, str]) -> None:
    """Refuse a directory terraform cannot plan in without ``terraform init`` first."""
    if not tf_dir.is_dir():
        raise TerraformError(f"{tf_dir} is not a directory")
    if not any(tf_dir.glob("*.tf")) and not any(tf_dir.glob("*.tf.json")):
        raise TerraformError(f"{tf_dir} has no Terraform files (*.tf)")
    data_dir = Path(env.get("TF_DATA_DIR") or ".terraform")
    if not (tf_dir / data_dir).is_dir():
        raise TerraformNotInitialised(
            f"{tf_dir} is not initialised: run `terraform init` there first"
        )


def run_terraform(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    terraform: str,
) -> Completed:
    """Run ``terraform ARGS`` in ``cwd``; interrupt it (SIGINT, then SIGKILL) at ``timeout``.

    Raises :class:`TerraformTimedOut`; a non-zero exit is the caller's to judge. Logs the
    command, its exit code and duration, never its output.
    """
    argv = (terraform, *args)
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - an argument list, no shell
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the providers stop with it
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        _log.warning("terraform %s: interrupted after %.0f s", args[0] if args else "", timeout)
        raise TerraformTimedOut(
            f"terraform {' '.join(args[:1])} ran past its {timeout:.0f} s limit and was "
            "interrupted; if it held the state lock and did not release it, "
            "`terraform force-unlock` releases it"
        ) from None
    seconds = time.monotonic() - started
    _log.info(
        "terraform %s: exit %d in %.1f s", args[0] if args else "", process.returncode, seconds
    )
    return Completed(tuple(argv), process.returncode, stdout, stderr, seconds)


def _stop(process: subprocess.Popen[str]) -> None:
    """Ctrl-C first (terraform then stops cleanly and unlocks the state), SIGKILL last."""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=_INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    except ProcessLookupError:  # it ended in between
        process.communicate()


def needs_init(completed: Completed) -> str | None:
    """terraform's own words when it failed for want of ``terraform init``, or None."""
    if completed.returncode == 0:
        return None
    text = completed.stderr + "\n" + completed.stdout
    if _NEEDS_INIT.search(text) is None:
        return None
    return first_error(text)


def first_error(text: str) -> str:
    """The first ``Error: …`` line of terraform's output (or its first line)."""
    for line in text.splitlines():
        stripped = line.strip(" │╷╵")
        if stripped.startswith("Error:"):
            return stripped
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no output"


def recreate(
    tf_dir: Path,
    address: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800,
    terraform: str | None = None,
) -> TerraformOutcome:
    """``terraform plan -target=ADDRESS -out=…`` then ``terraform apply`` of that plan.

    Applying the saved plan applies exactly what was planned, and only a plan that just
    adds is applied (:func:`not_a_recreation`): re-creating a missing object never needs to
    change or destroy one that exists. ``timeout`` bounds both commands together. Raises
    :class:`TerraformNotFound`, :class:`TerraformNotInitialised`, :class:`TerraformTimedOut`,
    or :class:`TerraformFailed` (with the outcome) when terraform reports an error or the plan
    does more than add.
    """
    if _ADDRESS.match(address) is None:
        raise TerraformError(f"{address!r} is not a resource address")
    executable = find_terraform(terraform)
    run_env = terraform_env(env)
    check_initialised(tf_dir, run_env)
    deadline = time.monotonic() + timeout
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="driftmgr-recreate-") as private:
        plan_file = Path(private) / "recreate.tfplan"  # mkdtemp: readable by us only
        plan = run_terraform(
            [
                "plan", f"-target={address}", f"-out={plan_file}", "-input=false",
                "-no-color", "-detailed-exitcode",
            ],
            cwd=tf_dir, env=run_env, timeout=_left(deadline), terraform=executable,
        )  # fmt: skip
        _raise_for_init(plan)
        plan_summary = _line(_PLAN_LINE, plan.stdout)
        if plan.returncode not in (0, 2):  # -detailed-exitcode: 0 no changes, 2 changes
            error = first_error(plan.stderr or plan.stdout)
            raise TerraformFailed(
                f"terraform plan -target={address} failed: {error}",
                _outcome(address, started, plan_summary, error, plan.stderr, ok=False),
            )
        _log.info("terraform plan -target=%s: %s", address, plan_summary or "no summary")
        if plan.returncode == 0:  # no changes
            return _outcome(address, started, plan_summary, plan_summary, "", changed=False)
        refusal = not_a_recreation(address, plan_summary)
        if refusal is not None:
            raise TerraformFailed(
                refusal, _outcome(address, started, plan_summary, "not applied", "", ok=False)
            )
        apply = run_terraform(
            ["apply", "-input=false", "-no-color", str(plan_file)],
            cwd=tf_dir, env=run_env, timeout=_left(deadline), terraform=executable,
        )  # fmt: skip
    output = _without_outputs(apply.stdout) + apply.stderr
    if apply.returncode != 0:
        error = first_error(apply.stderr or apply.stdout)
        raise TerraformFailed(
            f"terraform apply of the plan for {address} failed: {error}",
            _outcome(address, started, plan_summary, error, output, ok=False),
        )
    summary = _line(_APPLY_LINE, apply.stdout) or "Apply complete!"
    _log.info("terraform apply -target=%s: %s", address, summary)
    return _outcome(address, started, plan_summary, summary, output)


def not_a_recreation(address: str, plan_summary: str) -> str | None:
    """Why a targeted plan with changes is not applied as a re-creation, or None: it must
    only add ("Plan: N to add, 0 to change, 0 to destroy.")."""
    counts = {kind: int(n) for n, kind in _COUNT.findall(plan_summary)}
    if not plan_summary or counts.get("add", 0) == 0:
        what = f"({plan_summary})" if plan_summary else "(no plan summary)"
        return f"not applied: the plan for {address} creates nothing {what}"
    doing = [kind for kind in ("change", "destroy", "import") if counts.get(kind, 0)]
    if doing:
        return (
            f"not applied: the plan for {address} would also {' and '.join(doing)} existing "
            f"objects ({plan_summary}); re-creating a missing object never should. Run "
            f"`terraform plan -target={address}` to see why"
        )
    return None


def _outcome(
    address: str,
    started: float,
    plan_summary: str,
    summary: str,
    output: str,
    *,
    ok: bool = True,
    changed: bool = True,
) -> TerraformOutcome:
    return TerraformOutcome(
        address=address,
        ok=ok,
        changed=changed,
        plan_summary=plan_summary,
        summary=summary,
        output=output,
        seconds=round(time.monotonic() - started, 1),
    )


def _raise_for_init(completed: Completed) -> None:
    reason = needs_init(completed)
    if reason is not None:
        raise TerraformNotInitialised(
            f"terraform needs `terraform init` in this directory first ({reason})"
        )


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TerraformTimedOut("the time limit was used up before terraform could run")
    return left


def _line(pattern: re.Pattern[str], text: str) -> str:
    found = pattern.search(text)
    return found.group(1).strip() if found else ""


def _without_outputs(text: str) -> str:
    """Apply output up to its ``Outputs:`` section: output values are not for our logs."""
    head, _, _ = text.partition("\nOutputs:\n")
    return head if head.endswith("\n") else head + "\n"
