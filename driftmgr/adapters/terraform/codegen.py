"""Terraform code that imports unmanaged objects: ``import {}`` blocks and their resources.

With terraform and a Terraform directory, the resources are written by terraform itself
(``terraform plan -generate-config-out``) in a scratch copy of the directory, then fixed up
where generated config is known to fail or to plan changes, and checked with a second
``terraform plan``: the result is good when terraform says "N to import, 0 to add, 0 to
change, 0 to destroy" (ADR 0012). What could not be made clean is reported per object.

The fix-ups, found by running the generated config of the AWS provider 5.x:

* ``tags_all`` is dropped: it is computed (``tags`` plus the provider's ``default_tags``).
* Attributes named by a "Conflicting configuration arguments" error are dropped when empty
  (``aws_instance``: ``ipv6_address_count = 0`` against ``ipv6_addresses = []``), and so
  are empty ones of arguments "all of … must be specified" together (``aws_vpc``:
  ``ipv6_netmask_length = 0`` without ``ipv6_ipam_pool_id``); an "unconfigurable
  attribute" is dropped.
* Terraform-only arguments the provider never reads back on import (``force_destroy``,
  ``revoke_rules_on_delete``, ``user_data_replace_on_change`` …) go into
  ``lifecycle { ignore_changes }``: otherwise the import plans an update that only writes
  their defaults into the state. Any other attribute that is null after import and gets a
  default in the plan is treated the same way.
* A value the provider's validation rejects (``aws_sqs_queue``: ``max_message_size``
  1048576, a limit AWS raised after the provider was released) goes into
  ``ignore_changes`` too, with that reason: written out the plan fails, left out it plans
  the provider's default.
* An attribute the plan still changes is set to the imported value, once.

Every fix-up is planned again; the file says which were made and why.

Without terraform (or without a directory) the result is the import blocks and a
best-effort resource skeleton from the observed attributes, marked unchecked.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from driftmgr.adapters.terraform.hcl_patch import (
    Block,
    NotLiteral,
    PatchRefused,
    align_assignments,
    literal_value,
    parse_blocks,
    render_value,
)
from driftmgr.adapters.terraform.runner import (
    Completed,
    TerraformError,
    check_initialised,
    first_error,
    needs_init,
    run_terraform,
    terraform_env,
)

__all__ = ["Codegen", "ImportTarget", "generate_imports", "resource_name"]

#: The file written, and (numbered) the names tried when it exists already.
OUTPUT_NAME = "driftmgr_imports"
_GENERATED = "driftmgr_generated.tf"
_MAX_ROUNDS = 3
_INDENT = "  "

#: Arguments only Terraform knows (no API reads them back), by type: null after an import,
#: their default in the plan.
_TERRAFORM_ONLY: dict[str, tuple[str, ...]] = {
    "aws_s3_bucket": ("force_destroy",),
    "aws_security_group": ("revoke_rules_on_delete",),
    "aws_instance": ("user_data_replace_on_change",),
}
_COMPUTED = frozenset({"tags_all"})

#: Why an attribute is in ``ignore_changes``, as the file says it (``{names}``: which).
_NOT_READ_BACK = (
    "the provider does not read {names} back on import; take {names} out of ignore_changes "
    "once the import is applied."
)
_REJECTED_VALUE = (
    "this provider version rejects the value {names} has in the cloud ({why}); terraform "
    "leaves it as it is until the provider accepts it."
)

#: Observed attributes a skeleton leaves out: computed, or managed by resources of their own.
_SKELETON_SKIPPED: dict[str, frozenset[str]] = {
    "": frozenset(
        {
            "id", "arn", "tags_all", "owner_id", "unique_id", "create_date", "creation_date",
            "region", "policy_id", "attachment_count", "volume_id", "device_name",
        }
    ),
    "aws_instance": frozenset(
        {
            "public_ip", "public_dns", "private_dns", "primary_network_interface_id",
            "instance_state", "password_data", "outpost_arn",
        }
    ),
    "aws_s3_bucket": frozenset(
        {
            "bucket_domain_name", "bucket_regional_domain_name", "hosted_zone_id", "policy",
            "versioning", "server_side_encryption_configuration", "grant", "acl",
            "object_lock_configuration", "logging", "lifecycle_rule", "website", "cors_rule",
            "replication_configuration", "acceleration_status", "request_payer",
        }
    ),
    "aws_iam_role": frozenset({"inline_policy", "managed_policy_arns"}),
}  # fmt: skip

#: What ``_attribute_value`` gives for an attribute not set, and for one set by an expression.
_ABSENT = object()
_EXPRESSION = object()

_CONFLICT = re.compile(r'^"([\w.-]+)": conflicts with ([\w.-]+)')
_ALL_OF = re.compile(r'^"[\w.-]+": all of `([\w.,-]+)` must be specified')
#: The SDK's validators: "expected max_message_size to be in the range (1024 - 262144), got …".
_REJECTED = re.compile(r"^expected (?:length of )?([\w.-]+) to be ")
#: Conflicting arguments that say the same thing, one derived from the other: when both
#: are generated, the derived one goes (an aws_subnet's availability_zone_id).
_DERIVED = {frozenset({"availability_zone", "availability_zone_id"}): "availability_zone_id"}
#: "enable_lni_at_device_index must not be zero, got 0": a generated zero the provider refuses.
_MUST_NOT = re.compile(r"^([\w-]+) must not be ")
_UNCONFIGURABLE = re.compile(r'Can\'t configure a value for "([\w.-]+)"')
_UNSUPPORTED = re.compile(r'An argument named "([\w.-]+)" is not expected here')
_NAME_TAG = ("Name", "name")
_NAME_ATTRIBUTES = ("name", "bucket", "function_name", "identifier", "role_name")


class ImportTarget(msgspec.Struct, frozen=True, kw_only=True):
    """An unmanaged object: its type, its import id, where it is and what was observed."""

    type: str
    import_id: str
    region: str = ""
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    name: str | None = None
    """The resource name to use (sanitised); by default from its Name tag, name or id."""


class Codegen(msgspec.Struct, frozen=True, kw_only=True):
    files: dict[str, str]
    """File name (relative to the Terraform directory) → content."""
    addresses: list[str]
    """Each target's resource address, in the targets' order ("" when left out)."""
    checked: bool
    """True when ``terraform plan`` said exactly "N to import" and nothing else."""
    summary: str
    problems: list[str]
    """Per object: what could not be made clean, and why."""


def generate_imports(
    targets: Sequence[ImportTarget],
    *,
    tf_dir: Path | None,
    terraform: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> Codegen:
    """Import blocks and resource code for ``targets``, checked by terraform when it can be.

    ``terraform`` is the executable (default: ``terraform`` on PATH); when it is not found,
    or there is no ``tf_dir``, the result is unchecked skeletons. ``env`` (default: this
    process's) is reduced by :func:`~driftmgr.adapters.terraform.runner.terraform_env`.
    ``timeout`` bounds each terraform command.
    Raises :class:`~driftmgr.adapters.terraform.runner.TerraformError` when the directory
    cannot be planned in at all (not initialised, not Terraform code).
    """
    if not targets:
        return Codegen(
            files={}, addresses=[], checked=True, summary="nothing to import", problems=[]
        )
    blocks = _root_blocks(tf_dir) if tf_dir is not None else []
    taken = {
        (b.labels[0], b.labels[1]) for b in blocks if b.type == "resource" and len(b.labels) == 2
    }
    names = _assign_names(targets, taken)
    output = _output_name(tf_dir)
    executable = shutil.which(terraform or "terraform")
    if tf_dir is None or executable is None:
        reason = (
            "no Terraform directory was given"
            if tf_dir is None
            else f"{terraform or 'terraform'} was not found"
        )
        return _skeletons(targets, names, output, reason)
    run_env = terraform_env(env)
    check_initialised(tf_dir, run_env)
    session = _Session(tf_dir, executable, run_env, timeout, blocks)
    return session.generate(targets, names, output)


# --------------------------------------------------------------------------------------------
# Names


def resource_name(target: ImportTarget) -> str:
    """A Terraform identifier for the object: its Name tag, else its name, else its id."""
    tags = target.attributes.get("tags")
    candidates: list[Any] = [target.name]
    if isinstance(tags, Mapping):
        candidates += [tags.get(k) for k in _NAME_TAG]
    candidates += [target.attributes.get(k) for k in _NAME_ATTRIBUTES]
    candidates.append(target.import_id)
    for candidate in candidates:
        if isinstance(candidate, str) and (name := _sanitise(candidate)):
            return name
    return "imported"


def _sanitise(text: str) -> str:
    """``Shadow Data`` → ``shadow_data``; ``123-x`` → ``r_123_x``; at most 64 characters."""
    name = re.sub(r"_{2,}", "_", re.sub(r"[^a-z0-9_]+", "_", text.lower())).strip("_")
    if name and not name[0].isalpha():  # a Terraform name starts with a letter
        name = f"r_{name}"
    return name[:64].rstrip("_")


def _assign_names(targets: Sequence[ImportTarget], taken: set[tuple[str, str]]) -> list[str]:
    used = set(taken)
    names = []
    for target in targets:
        base = resource_name(target)
        name, n = base, 1
        while (target.type, name) in used:
            n += 1
            name = f"{base}_{n}"
        used.add((target.type, name))
        names.append(name)
    return names


def _output_name(tf_dir: Path | None) -> str:
    name, n = f"{OUTPUT_NAME}.tf", 1
    while tf_dir is not None and (tf_dir / name).exists():
        n += 1
        name = f"{OUTPUT_NAME}_{n}.tf"
    return name


def _root_blocks(tf_dir: Path) -> list[Block]:
    blocks: list[Block] = []
    for path in sorted(tf_dir.glob("*.tf")):
        try:
            blocks.extend(parse_blocks(path.read_text(encoding="utf-8")))
        except (OSError, PatchRefused) as e:
            raise TerraformError(f"{path}: {e}") from None
    return blocks


# --------------------------------------------------------------------------------------------
# Providers: which configuration imports an object of a given region


@dataclass(frozen=True)
class _Provider:
    name: str
    alias: str | None
    region: str | None
    """None when not a literal (a variable, say)."""


def _providers(blocks: Iterable[Block]) -> list[_Provider]:
    found = []
    for block in blocks:
        if block.type != "provider" or len(block.labels) != 1:
            continue
        alias, region = _literal(block, "alias"), _literal(block, "region")
        found.append(
            _Provider(
                block.labels[0],
                alias if isinstance(alias, str) else None,
                region if isinstance(region, str) else None,
            )
        )
    return found


def _literal(block: Block, name: str) -> Any:
    attribute = block.attributes.get(name)
    if attribute is None:
        return None
    try:
        return literal_value(attribute.value)
    except NotLiteral:
        return None


def _provider_for(
    target: ImportTarget, providers: Sequence[_Provider]
) -> tuple[str | None, str | None]:
    """(``aws.alias`` or None for the default configuration, a problem or None)."""
    name = target.type.split("_", 1)[0]
    configs = [p for p in providers if p.name == name]
    if target.region in ("", "global") or name != "aws" or not configs:
        return None, None  # a global object (IAM, Route 53) is reached through any region
    matching = [p for p in configs if p.region == target.region]
    if matching:
        chosen = next((p for p in matching if p.alias is None), matching[0])
        return (None if chosen.alias is None else f"{name}.{chosen.alias}"), None
    default = next((p for p in configs if p.alias is None), None)
    if default is None or default.region is None:
        return None, None  # its region is not a literal: terraform will tell
    return None, (
        f"{target.type} {target.import_id}: no {name} provider configuration for region "
        f"{target.region} (the default one is for {default.region}); add one with an alias "
        f'(provider "{name}" {{ alias = "{target.region.replace("-", "_")}", region = '
        f'"{target.region}" }}) and generate again'
    )


# --------------------------------------------------------------------------------------------
# With terraform


@dataclass
class _Object:
    target: ImportTarget
    name: str
    provider: str | None
    block: str = ""
    """Its resource block, as generated and fixed."""
    ignored: dict[str, str] = field(default_factory=dict)
    """Attributes left to ``lifecycle { ignore_changes }``: name → why, a comment template
    (``{names}``: the attributes with that reason)."""
    fixes: list[str] = field(default_factory=list)
    problem: str | None = None

    @property
    def address(self) -> str:
        return f"{self.target.type}.{self.name}"

    @property
    def label(self) -> str:
        return f"{self.target.type} {self.target.import_id}"


class _Session:
    def __init__(
        self,
        tf_dir: Path,
        executable: str,
        env: dict[str, str],
        timeout: float,
        blocks: list[Block],
    ) -> None:
        self.tf_dir = tf_dir
        self.executable = executable
        self.env = env
        self.timeout = timeout
        self.providers = _providers(blocks)

    def generate(self, targets: Sequence[ImportTarget], names: list[str], output: str) -> Codegen:
        problems: list[str] = []
        objects: list[_Object] = []
        for target, name in zip(targets, names, strict=True):
            provider, problem = _provider_for(target, self.providers)
            if problem is not None:
                problems.append(problem)
            else:
                objects.append(_Object(target, name, provider))
        summary = "nothing to import"
        checked = False
        with tempfile.TemporaryDirectory(prefix="driftmgr-codegen-") as scratch:
            work = self._scratch_copy(Path(scratch))
            if objects:
                objects = self._generate(work, objects, problems)
            files: dict[str, str] = {}
            if objects:
                summary, checked = self._check(work, objects, output, problems)
                files[output] = self._formatted(work / output, objects, checked, summary)
        addresses = [next((o.address for o in objects if o.target is t), "") for t in targets]
        return Codegen(
            files=files,
            addresses=addresses,
            checked=checked and not problems,
            summary=summary,
            problems=problems,
        )

    # -- scratch copy

    def _scratch_copy(self, scratch: Path) -> Path:
        """A copy of the directory's code and local state; its ``.terraform`` linked."""
        work = scratch / "work"
        shutil.copytree(
            self.tf_dir,
            work,
            symlinks=True,
            ignore=shutil.ignore_patterns(".terraform", ".git", "*.tfplan", _GENERATED),
        )
        data_dir = self.env.get("TF_DATA_DIR")
        if data_dir:
            self.env = {**self.env, "TF_DATA_DIR": str((self.tf_dir / data_dir).resolve())}
        else:
            (work / ".terraform").symlink_to((self.tf_dir / ".terraform").resolve())
        return work

    def _run(self, work: Path, *args: str) -> Completed:
        completed = run_terraform(
            args, cwd=work, env=self.env, timeout=self.timeout, terraform=self.executable
        )
        reason = needs_init(completed)
        if reason is not None:
            raise TerraformError(f"terraform needs `terraform init` in {self.tf_dir} ({reason})")
        return completed

    def _formatted(self, path: Path, objects: list[_Object], checked: bool, summary: str) -> str:
        """The file's final text, as ``terraform fmt`` lays it out (fix-ups upset alignment)."""
        text = _file_text(objects, checked, summary)
        path.write_text(text, encoding="utf-8")
        try:
            ran = self._run(path.parent, "fmt", "-no-color", "-list=false", path.name)
        except TerraformError:
            return text
        return path.read_text(encoding="utf-8") if ran.returncode == 0 else text

    # -- generating

    def _generate(self, work: Path, objects: list[_Object], problems: list[str]) -> list[_Object]:
        imports = work / f"{OUTPUT_NAME}_scratch.tf"
        imports.write_text("".join(_import_block(o) + "\n" for o in objects), encoding="utf-8")
        ran = self._run(
            work, "plan", f"-generate-config-out={_GENERATED}", "-input=false", "-lock=false",
            "-no-color", "-json",
        )  # fmt: skip
        imports.unlink()
        diagnostics = _diagnostics(ran)
        generated_path = work / _GENERATED
        generated = generated_path.read_text(encoding="utf-8") if generated_path.exists() else ""
        generated_path.unlink(missing_ok=True)
        try:
            by_address = _resource_texts(generated)
        except PatchRefused as e:
            problems.append(f"terraform's generated config could not be read: {e}")
            return []
        kept = []
        for obj in objects:
            text = by_address.get(obj.address)
            if text is None:
                # Errors about no object in particular (a variable without a value) stopped
                # the whole plan: they are the reason for each object.
                said = (
                    _said_about(diagnostics, obj.address)
                    or [_diagnostic_text(d) for d in diagnostics]
                    or [first_error(ran.stderr or ran.stdout)]
                )
                problems.append(
                    f"{obj.label}: terraform generated no code for it: {'; '.join(said)}"
                )
                continue
            obj.block = text.strip() + "\n"
            _static_fixes(obj, [d for d in diagnostics if d.get("address") == obj.address])
            kept.append(obj)
        return kept

    # -- checking

    def _check(
        self, work: Path, objects: list[_Object], output: str, problems: list[str]
    ) -> tuple[str, bool]:
        """Plan with the code until it is clean or no fix-up helps; (summary, clean).

        Every fix-up is planned again: the last round only judges, so nothing unplanned is
        ever called clean.
        """
        ours = {o.address: o for o in objects}
        path = work / output
        for round_ in range(1, _MAX_ROUNDS + 1):
            may_fix = round_ < _MAX_ROUNDS
            for obj in objects:
                obj.problem = None
            path.write_text(_file_text(objects, False, ""), encoding="utf-8")
            ran = self._run(
                work, "plan", "-out=driftmgr.tfplan", "-input=false", "-lock=false",
                "-no-color", "-json",
            )  # fmt: skip
            stream = _messages(ran.stdout)
            summary, counts = _change_summary(stream)
            errors = [m["diagnostic"] for m in stream if _is_error(m)]
            if ran.returncode != 0 or errors:
                if may_fix and self._fix_errors(objects, errors):
                    continue
                problems.extend(_error_problems(objects, errors, ran))
                return summary or "terraform plan failed", False
            changes = _changes(stream)
            dirty = {a: act for a, act in changes.items() if a in ours and act != "import"}
            if dirty and may_fix:
                shown = json.loads(self._run(work, "show", "-json", "driftmgr.tfplan").stdout)
                if self._fix_changes(ours, shown):
                    continue
            return summary, _judge(ours, changes, dirty, counts, summary, problems)
        raise AssertionError("unreachable: the last round always returns")

    def _fix_errors(self, objects: list[_Object], errors: list[dict[str, Any]]) -> bool:
        fixed = False
        for obj in objects:
            mine = [d for d in errors if d.get("address") == obj.address]
            before = obj.block
            _static_fixes(obj, mine)
            fixed = fixed or obj.block != before
        return fixed

    def _fix_changes(self, ours: Mapping[str, _Object], shown: Mapping[str, Any]) -> bool:
        """Fix-ups from what the plan would change; whether any was made."""
        fixed = False
        defaults = _default_tags(shown)
        for change in shown.get("resource_changes", []):
            obj = ours.get(change.get("address", ""))
            if obj is None or change["change"]["actions"] == ["no-op"]:
                continue
            before = change["change"].get("before") or {}
            after = change["change"].get("after") or {}
            # Unknown after apply: a consequence of the update (tags_all, say), not its cause.
            unknown = change["change"].get("after_unknown") or {}
            for name in sorted(_changed(before, after)):
                if unknown.get(name) is not True:
                    fixed = _fix_attribute(obj, name, before, after, defaults) or fixed
        return fixed


def _fix_attribute(
    obj: _Object,
    name: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> bool:
    was, will = before.get(name), after.get(name)
    if name == "tags_all":
        added = sorted(k for k in (will or {}) if k not in (was or {}))
        if added and all(k in defaults for k in added):
            obj.problem = (
                f"terraform would add the provider's default_tags {', '.join(added)} to it "
                "(an in-place update on apply): tag the object with them first, or accept "
                "that change"
            )
        else:
            obj.problem = f"terraform would change its tags ({', '.join(added) or 'values'})"
        return False
    current = _attribute_value(obj.block, name)
    if was is None and will is not None and current in (None, _ABSENT):
        if name in obj.ignored:
            return False
        _ignore(obj, name, _NOT_READ_BACK)
        return True
    if current is _ABSENT or name in obj.fixes:
        obj.problem = obj.problem or f"terraform would change {name}"
        return False
    obj.block = _set(obj.block, name, was)
    obj.fixes.append(name)
    return True


def _static_fixes(obj: _Object, diagnostics: list[dict[str, Any]]) -> None:
    """The fix-ups known before planning, and those the diagnostics point at."""
    for name in _COMPUTED:
        obj.block = _remove(obj.block, name)
    for name in _TERRAFORM_ONLY.get(obj.target.type, ()):
        value = _attribute_value(obj.block, name)
        if value is None and name not in obj.ignored:
            _ignore(obj, name, _NOT_READ_BACK)
    conflicts: list[tuple[str, str]] = []
    together: list[list[str]] = []
    for diagnostic in diagnostics:
        summary, detail = diagnostic.get("summary", ""), diagnostic.get("detail", "")
        if found := _CONFLICT.match(detail):
            conflicts.append((found.group(1), found.group(2)))
        elif found := _ALL_OF.match(detail):
            together.append(found.group(1).split(","))
        elif found := (_UNCONFIGURABLE.search(detail) or _UNSUPPORTED.search(detail)):
            obj.block = _remove(obj.block, found.group(1))
        elif (found := _REJECTED.match(summary)) and _is_set(obj.block, found.group(1)):
            # The cloud holds a value this provider version does not accept (AWS raised a
            # limit, say): written out, the plan fails; left out, it plans the default.
            _ignore(obj, found.group(1), _REJECTED_VALUE.replace("{why}", summary))
        elif (found := _MUST_NOT.match(summary)) and _is_empty(
            _attribute_value(obj.block, found.group(1))
        ):
            # Generated from an unset optional (0 for "none"), which the provider refuses.
            obj.block = _remove(obj.block, found.group(1))
        elif (found := _REJECTED.match(summary)) and _remove_nested(obj, found.group(1)):
            # The same inside a block (point_in_time_recovery.0.recovery_period_in_days).
            path = re.sub(r"\.(\d+)\.", r"[\1].", found.group(1))
            obj.ignored[path] = _REJECTED_VALUE.replace("{why}", summary)
        else:
            obj.problem = f"{summary or 'error'}: {detail}".strip(": ")
    # Of two conflicting arguments, drop the empty one(s) and a derived one; both really
    # set is for the user.
    for name, other in conflicts:
        if (
            _is_empty(_attribute_value(obj.block, name))
            or _DERIVED.get(frozenset({name, other})) == name
        ):
            obj.block = _remove(obj.block, name)
    for name, other in conflicts:
        if _is_set(obj.block, name) and _is_set(obj.block, other):
            obj.problem = f"{name} conflicts with {other}, and both are set"
    # Arguments required together (ipv6_ipam_pool_id, ipv6_netmask_length = 0 of an aws_vpc
    # without IPv6): the generated empty ones go; one really set without the other stays.
    for names in together:
        for name in names:
            if _is_empty(_attribute_value(obj.block, name)):
                obj.block = _remove(obj.block, name)
        if any(_is_set(obj.block, n) for n in names):
            obj.problem = f"{', '.join(names)} must be set together"


def _remove_nested(obj: _Object, dotted: str) -> bool:
    """Remove ``attribute`` from the only ``block {}`` of ``block.0.attribute``; whether it
    was there."""
    parts = dotted.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or parts[1] != "0":
        return False
    block, attribute = parts[0], parts[2]
    opened = re.search(rf"^(\s+){re.escape(block)} \{{\n", obj.block, re.MULTILINE)
    if opened is None:
        return False
    closing = obj.block.find(f"\n{opened.group(1)}}}", opened.end())
    inner = obj.block[opened.end() : closing + 1]
    line = re.search(rf"^\s+{re.escape(attribute)}\s*=.*\n", inner, re.MULTILINE)
    if closing < 0 or line is None:
        return False
    start = opened.end() + line.start()
    obj.block = obj.block[:start] + obj.block[opened.end() + line.end() :]
    return True


def _is_set(text: str, name: str) -> bool:
    return _attribute_value(text, name) is not _ABSENT


def _ignore(obj: _Object, name: str, why: str) -> None:
    obj.block = _remove(obj.block, name)
    obj.ignored[name] = why


# --------------------------------------------------------------------------------------------
# Editing one resource block's text


def _resource_texts(text: str) -> dict[str, str]:
    """Each resource block of generated config, by address."""
    if not text.strip():
        return {}
    found = {}
    for block in parse_blocks(text):
        if block.type == "resource" and len(block.labels) == 2:
            found[f"{block.labels[0]}.{block.labels[1]}"] = text[block.start : block.end]
    return found


def _only_block(text: str) -> Block:
    (block,) = parse_blocks(text)
    return block


def _attribute_value(text: str, name: str) -> Any:
    """The literal value of a top-level attribute, ``_ABSENT`` or ``_EXPRESSION``."""
    attribute = _only_block(text).attributes.get(name)
    if attribute is None:
        return _ABSENT
    try:
        return literal_value(attribute.value)
    except NotLiteral:  # jsonencode(…), say
        return _EXPRESSION


def _remove(text: str, name: str) -> str:
    attribute = _only_block(text).attributes.get(name)
    if attribute is None:
        return text
    start = text.rfind("\n", 0, attribute.start) + 1
    end = text.find("\n", attribute.value_end) + 1
    return text[:start] + text[end:]


def _set(text: str, name: str, value: Any) -> str:
    attribute = _only_block(text).attributes[name]
    return (
        text[: attribute.value_start] + render_value(value, _INDENT) + text[attribute.value_end :]
    )


def _with_lifecycle(text: str, ignored: Mapping[str, str]) -> str:
    if not ignored:
        return text
    block = _only_block(text)
    comments = []
    for why in dict.fromkeys(ignored.values()):
        names = ", ".join(n for n, w in ignored.items() if w == why)
        comments += textwrap.wrap(
            "driftmgr: " + why.replace("{names}", names),
            width=96,
            initial_indent=f"{_INDENT}# ",
            subsequent_indent=f"{_INDENT}# ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    lifecycle = (
        "".join(f"{line}\n" for line in comments)
        + f"{_INDENT}lifecycle {{\n"
        + f"{_INDENT * 2}ignore_changes = [{', '.join(ignored)}]\n"
        + f"{_INDENT}}}\n"
    )
    return text[: block.close_start] + lifecycle + text[block.close_start :]


def _import_block(obj: _Object) -> str:
    lines = [f"  to = {obj.address}", f"  id = {render_value(obj.target.import_id)}"]
    if obj.provider:
        lines.append(f"  provider = {obj.provider}")
    return "import {\n" + "\n".join(lines) + "\n}\n"


def _file_text(objects: Sequence[_Object], checked: bool, summary: str) -> str:
    header = [
        "# Generated by driftmgr: import blocks and the resources they import, written by",
        "# `terraform plan -generate-config-out` and fixed up by driftmgr.",
    ]
    if checked:
        header.append(f'# Checked: terraform plan in a copy of this directory said "{summary}"')
    sections = ["\n".join(header) + "\n"]
    for obj in objects:
        where = f" ({obj.target.region})" if obj.target.region else ""
        notes = [f"# {obj.target.type} {obj.target.import_id}{where}"]
        if obj.fixes:
            notes.append(f"# driftmgr set {', '.join(obj.fixes)} to the imported values")
        if obj.problem:
            notes.append(f"# NOT CLEAN: {obj.problem}")
        sections.append(
            "\n".join(notes)
            + "\n"
            + _import_block(obj)
            + "\n"
            + _with_lifecycle(obj.block, obj.ignored)
        )
    return "\n".join(sections)


# --------------------------------------------------------------------------------------------
# Reading terraform's answers


def _messages(stdout: str) -> list[dict[str, Any]]:
    messages = []
    for line in stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages


def _is_error(message: Mapping[str, Any]) -> bool:
    return message.get("type") == "diagnostic" and message["diagnostic"].get("severity") == "error"


def _diagnostics(ran: Completed) -> list[dict[str, Any]]:
    return [m["diagnostic"] for m in _messages(ran.stdout) if _is_error(m)]


def _diagnostic_text(diagnostic: Mapping[str, Any]) -> str:
    summary = str(diagnostic.get("summary", "")).strip()
    detail = " ".join(str(diagnostic.get("detail", "")).split())
    return f"{summary}: {detail}" if detail else summary


def _said_about(diagnostics: Iterable[Mapping[str, Any]], address: str) -> list[str]:
    """What the error diagnostics say about ``address`` (by address or in their detail)."""
    return [
        f"{d.get('summary', '')}".strip()
        for d in diagnostics
        if d.get("address") == address or f'"{address}"' in d.get("detail", "")
    ]


def _change_summary(stream: Iterable[Mapping[str, Any]]) -> tuple[str, dict[str, int]]:
    """The plan's summary line and its counts (``add``, ``change``, ``import``, ``remove``)."""
    for message in stream:
        if message.get("type") == "change_summary":
            return str(message["@message"]), dict(message.get("changes") or {})
    return "", {}


def _judge(
    ours: Mapping[str, _Object],
    changes: Mapping[str, str],
    dirty: Mapping[str, str],
    counts: Mapping[str, int],
    summary: str,
    problems: list[str],
) -> bool:
    """Whether a plan that ran is exactly "N to import, 0 to add, 0 to change, 0 to
    destroy"; what else it does goes into ``problems``."""
    for address, action in sorted(dirty.items()):
        obj = ours[address]
        obj.problem = obj.problem or _action_text(action)
        problems.append(f"{obj.label} ({address}): {obj.problem}")
    others = sorted(f"{a} ({act})" for a, act in changes.items() if a not in ours)
    if others:
        problems.append(
            "the plan also changes resources that are not imported here (existing drift, "
            f"not this code): {', '.join(others)}"
        )
    wanted = {"import": len(ours), "add": 0, "change": 0, "remove": 0}
    exact = all(counts.get(k) == v for k, v in wanted.items())
    if not exact and not dirty and not others:
        problems.append(
            f"terraform planned something other than the {len(ours)} imports: {summary}"
        )
    return exact and not dirty and not others


def _changes(stream: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Planned changes by address: ``import`` for a clean import, else terraform's action."""
    changes = {}
    for message in stream:
        if message.get("type") != "planned_change":
            continue
        change = message["change"]
        changes[change["resource"]["addr"]] = change["action"]
    return changes


def _action_text(action: str) -> str:
    return {
        "update": "the import would also update it in place",
        "replace": "the import would replace it",
        "create": "terraform would create it instead of importing it",
        "delete": "terraform would delete it",
    }.get(action, f"terraform plans {action} for it")


def _error_problems(
    objects: Sequence[_Object], errors: Sequence[Mapping[str, Any]], ran: Completed
) -> list[str]:
    problems = []
    for obj in objects:
        said = _said_about(errors, obj.address)
        if said or obj.problem:
            problems.append(f"{obj.label} ({obj.address}): {obj.problem or '; '.join(said)}")
    if not problems:
        problems.append(f"terraform plan failed: {first_error(ran.stdout + ran.stderr)}")
    return problems


def _default_tags(shown: Mapping[str, Any]) -> dict[str, Any]:
    """The aws provider's constant ``default_tags`` in a ``terraform show -json`` plan."""
    config = shown.get("configuration", {}).get("provider_config", {}).get("aws", {})
    blocks = config.get("expressions", {}).get("default_tags") or []
    for block in blocks:
        tags = block.get("tags", {}).get("constant_value")
        if isinstance(tags, dict):
            return tags
    return {}


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """Top-level attributes whose value changes; null and an empty value count as equal."""
    return {
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
        and not (_is_blank(before.get(name)) and _is_blank(after.get(name)))
    }


def _is_empty(value: Any) -> bool:
    """Sets nothing: of two conflicting arguments, the one to drop."""
    if value is _ABSENT or value is _EXPRESSION:
        return False
    return value is None or value in ("", 0, False) or value == [] or value == {}


# --------------------------------------------------------------------------------------------
# Without terraform: skeletons


def _skeletons(
    targets: Sequence[ImportTarget], names: list[str], output: str, reason: str
) -> Codegen:
    sections = [
        "# UNCHECKED: written by driftmgr from the observed attributes, without terraform\n"
        f"# ({reason}). Review it, then run `terraform plan`: it should say\n"
        f'# "{len(targets)} to import, 0 to add, 0 to change, 0 to destroy".\n'
    ]
    for target, name in zip(targets, names, strict=True):
        address = f"{target.type}.{name}"
        where = f" ({target.region})" if target.region else ""
        sections.append(
            f"# {target.type} {target.import_id}{where}\n"
            + f"import {{\n  to = {address}\n  id = {render_value(target.import_id)}\n}}\n\n"
            + _skeleton(target, name)
        )
    return Codegen(
        files={output: align_assignments("\n".join(sections))},
        addresses=[f"{t.type}.{n}" for t, n in zip(targets, names, strict=True)],
        checked=False,
        summary=f"{len(targets)} import blocks and unchecked resource skeletons ({reason})",
        problems=[],
    )


def _skeleton(target: ImportTarget, name: str) -> str:
    skipped = _SKELETON_SKIPPED[""] | _SKELETON_SKIPPED.get(target.type, frozenset())
    body = _body(target.attributes, skipped, _INDENT)
    return f'resource "{target.type}" "{name}" {{\n{body}}}\n'


def _body(attributes: Mapping[str, Any], skipped: frozenset[str], indent: str) -> str:
    plain: list[str] = []
    blocks: list[str] = []
    for key in sorted(attributes, key=lambda k: (k == "tags", k)):
        value = attributes[key]
        if key in skipped or _is_blank(value):
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for item in value:
                inner = _body(item, skipped, indent + _INDENT)
                if inner:
                    blocks.append(f"{indent}{key} {{\n{inner}{indent}}}\n")
            continue
        plain.append(f"{indent}{key} = {_skeleton_value(key, value, indent)}\n")
    return "".join(plain) + "".join(blocks)


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _skeleton_value(key: str, value: Any, indent: str) -> str:
    """JSON documents (policies) as ``jsonencode(…)``, as terraform writes them."""
    if isinstance(value, str) and key.endswith("policy") and value.lstrip().startswith("{"):
        try:
            document = json.loads(value)
        except ValueError:
            document = None
        if isinstance(document, dict):
            return f"jsonencode({render_value(document, indent)})"
    return render_value(value, indent)
