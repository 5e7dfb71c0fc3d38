"""Read Terraform states into :class:`StateResource` values, and write them back.

:func:`parse_state` reads state files (format versions 3 and 4) and ``terraform show -json``
output of a state (reported as version 0, with no serial and no lineage).
:func:`serialise_state` writes a :class:`ParsedState` as a version 4 state file.

Pure: bytes in, value objects out. The document is decoded into builtins by msgspec (fast on
100 MB states) and then checked by hand, so that every problem is reported as one
:class:`StateFormatError` whose message names the place in the document, e.g.
``resources[2].instances[0]: 'attributes' must be an object, got a list``. A message names
places (by position, or by a key shaped like a name) and kinds, never a value: it reaches API
clients, and the bytes may not be a state at all. Unknown fields are ignored everywhere: newer
Terraform releases add fields (``identity``, ``check_results`` …) that drift detection does
not need.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeGuard

import msgspec

from driftmgr.domain.resources import AttributePath, ParsedState, StateOutput, StateResource

__all__ = [
    "ParsedState",
    "StateFormatError",
    "StateOutput",
    "parse_state",
    "provider_short_name",
    "resource_address",
    "serialise_state",
]

SUPPORTED_VERSIONS = (3, 4)


class StateFormatError(ValueError):
    """The input is not a Terraform state driftmgr can read; the message says why, on one line."""

    def __init__(self, message: str) -> None:
        # Messages end up in problem+json bodies and log lines: keep them to one line.
        super().__init__(" ".join(message.splitlines()))


def parse_state(data: bytes | str) -> ParsedState:
    """Parse a state file's content, or ``terraform show -json`` output of a state.

    Raise :class:`StateFormatError` for anything else, a plan's JSON included.
    """
    doc = _decode(data)
    if not isinstance(doc, dict):
        raise StateFormatError(
            f"not a Terraform state: top-level JSON is {_article(doc)}, expected an object"
        )
    if "version" not in doc:
        if "format_version" in doc:
            return _parse_show_json(doc)
        raise StateFormatError("not a Terraform state: the JSON object has no 'version' field")
    version = doc["version"]
    if not _is_int(version):
        raise StateFormatError(f"'version' must be an integer, got {_describe(version)}")
    if version == 4:
        return _parse_v4(doc)
    if version == 3:
        return _parse_v3(doc)
    raise StateFormatError("unsupported state version (driftmgr reads versions 3 and 4)")


# Provider configuration addresses, as v4 (`provider["host/ns/type"].alias`) and legacy
# (`provider.type.alias`) states write them, optionally behind a module path.
_PROVIDER_V4 = re.compile(r'(?:^|\.)provider\["([^"]+)"\](?:\.[A-Za-z_][\w-]*)?$')
_PROVIDER_LEGACY = re.compile(r"(?:^|\.)provider\.([A-Za-z_][\w-]*)(?:\.[A-Za-z_][\w-]*)?$")


def provider_short_name(provider_config: str) -> str:
    """The provider type in a provider configuration address: ``aws`` for hashicorp/aws."""
    match = _PROVIDER_V4.search(provider_config)
    if match:
        short = match.group(1).rsplit("/", 1)[-1]
        if short:
            return short
    else:
        match = _PROVIDER_LEGACY.search(provider_config)
        if match:
            return match.group(1)
    raise StateFormatError("not a provider configuration address")


def resource_address(
    module: str | None, mode: str, type: str, name: str, index_key: int | str | None
) -> str:
    """The instance address as Terraform prints it: ``module.a["k"].data.t.n[0]``."""
    address = f"data.{type}.{name}" if mode == "data" else f"{type}.{name}"
    if module:
        address = f"{module}.{address}"
    if index_key is None:
        return address
    if isinstance(index_key, str):
        return f"{address}[{_hcl_quote(index_key)}]"
    return f"{address}[{index_key}]"


def _hcl_quote(key: str) -> str:
    # Terraform quotes string keys the way HCL reads them back (addrs.StringKey.String), so
    # that our addresses equal the ones in `dependencies` and in Terraform's own output.
    # For ordinary keys this is the same as JSON quoting.
    out = ['"']
    for i, char in enumerate(key):
        if char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char in '"\\':
            out.append("\\" + char)
        elif char in "$%":
            # `${` and `%{` open HCL templates; doubling the sigil escapes them.
            out.append(char * 2 if key[i + 1 : i + 2] == "{" else char)
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# --- decoding -------------------------------------------------------------------------------

_MALFORMED = re.compile(r"^JSON is malformed: (.*) \(byte (\d+)\)$")


def _decode(data: bytes | str) -> Any:
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StateFormatError(
                f"not valid text: character {exc.start} is a lone surrogate"
            ) from exc
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    else:
        raise TypeError(f"parse_state takes bytes or str, not {type(data).__name__}")
    # Editors on Windows may add a byte order mark; Terraform never writes one.
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    if not raw[start:] or raw[start:].isspace():
        raise StateFormatError("empty input: not a Terraform state")
    if raw.startswith(b"\x1f\x8b"):
        raise StateFormatError("not a Terraform state: this is gzip-compressed data; decompress it")
    if raw.startswith(b"PK\x03\x04"):
        raise StateFormatError(
            "not a Terraform state: this is a zip archive (a saved plan file?); "
            "pass the .tfstate file"
        )
    try:
        # A memoryview slice skips the BOM without copying a large document.
        return msgspec.json.decode(memoryview(raw)[start:])
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        # A syntax error comes with its offset. Anything else may be bad UTF-8, which we
        # locate ourselves: msgspec's wording for it differs between releases and none of
        # them says where the bad bytes are.
        message = str(exc)
        problem = None if _MALFORMED.match(message) else _explain_bad_utf8(raw)
        raise StateFormatError(problem or _explain_json_error(raw, start, message)) from exc
    except RecursionError as exc:
        raise StateFormatError("not a Terraform state: JSON is nested too deeply") from exc


def _explain_json_error(raw: bytes, start: int, message: str) -> str:
    match = _MALFORMED.match(message)
    if match:
        offset = start + int(match.group(2))
        if match.group(1) == "trailing characters":
            offset -= 1  # msgspec points just past the first trailing character
        offset = max(0, min(offset, len(raw)))
        return f"not valid JSON at {_line_column(raw, offset)}: {match.group(1)}"
    if message == "Input data was truncated":
        return "not valid JSON: the document ends too early (truncated?)"
    return f"not valid JSON: {message}"


def _explain_bad_utf8(raw: bytes) -> str | None:
    """Where the first byte that is not UTF-8 is, or None when the text is valid UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"not valid UTF-8 at {_line_column(raw, exc.start)}: "
            f"byte 0x{raw[exc.start]:02x} cannot start or continue a character"
        )
    return None


def _line_column(raw: bytes, offset: int) -> str:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} column {column}"


# --- version 4 ------------------------------------------------------------------------------


def _parse_v4(doc: dict[str, Any]) -> ParsedState:
    resources: list[StateResource] = []
    for i, item in enumerate(_optional_list(doc, "resources", "")):
        resources.extend(_v4_resource(item, f"resources[{i}]"))
    return ParsedState(
        version=4,
        terraform_version=_optional_str(doc, "terraform_version", ""),
        serial=_serial(doc),
        lineage=_optional_str(doc, "lineage", ""),
        resources=tuple(resources),
        outputs=_outputs(doc, ""),
    )


def _v4_resource(item: Any, path: str) -> list[StateResource]:
    resource = _object(item, path)
    mode = _required_str(resource, "mode", path)
    if mode not in ("managed", "data"):
        raise _field_error(path, "mode", 'either "managed" or "data"', mode)
    type_ = _required_name(resource, "type", path)
    name = _required_name(resource, "name", path)
    # An empty module string is how some writers spell the root module.
    module = _optional_str(resource, "module", path) or None
    provider_config = _required_str(resource, "provider", path)
    provider = _provider_at(provider_config, path)
    instances: list[StateResource] = []
    for j, raw in enumerate(_optional_list(resource, "instances", path)):
        ipath = f"{path}.instances[{j}]"
        instance = _object(raw, ipath)
        index_key = _index_key(instance, ipath)
        attributes = _v4_attributes(instance, ipath)
        dependencies_key = "dependencies" if "dependencies" in instance else "depends_on"
        instances.append(
            StateResource(
                address=resource_address(module, mode, type_, name, index_key),
                mode=mode,
                type=type_,
                name=name,
                provider=provider,
                provider_config=provider_config,
                module=module,
                index_key=index_key,
                id=_id_of(attributes.get("id")),
                attributes=attributes,
                sensitive_paths=_sensitive_paths(instance, ipath),
                dependencies=_str_tuple(instance, dependencies_key, ipath),
                status=_status(instance, ipath),
                deposed=_optional_str(instance, "deposed", ipath) or None,
                schema_version=_optional_int(instance, "schema_version", ipath),
            )
        )
    return instances


def _index_key(instance: dict[str, Any], path: str, field: str = "index_key") -> int | str | None:
    key = instance.get(field)
    if key is None or isinstance(key, str) or _is_int(key):
        return key
    # Go's JSON decoder reads every number as a float; accept what Terraform accepts.
    if isinstance(key, float) and key.is_integer():
        return int(key)
    raise _field_error(path, field, "an integer or a string", key)


def _v4_attributes(instance: dict[str, Any], path: str) -> dict[str, Any]:
    # Terraform prefers `attributes` when both are present; `attributes_flat` is the
    # pre-0.12 flatmap (all strings), kept as it is.
    if instance.get("attributes") is not None:
        attributes = instance["attributes"]
        if not isinstance(attributes, dict):
            raise _field_error(path, "attributes", "an object", attributes)
        return attributes
    if instance.get("attributes_flat") is not None:
        return _flatmap(instance["attributes_flat"], path, "attributes_flat")
    return {}


def _sensitive_paths(instance: dict[str, Any], path: str) -> tuple[AttributePath, ...]:
    paths: list[AttributePath] = []
    for k, raw_path in enumerate(_optional_list(instance, "sensitive_attributes", path)):
        ppath = f"{path}.sensitive_attributes[{k}]"
        if not isinstance(raw_path, list):
            raise _element_error(ppath, "an array of path steps", raw_path)
        paths.append(_cty_path(raw_path, ppath))
    return tuple(paths)


def _cty_path(steps: list[Any], path: str) -> AttributePath:
    out: list[str | int] = []
    for n, raw_step in enumerate(steps):
        spath = f"{path}[{n}]"
        step = _object(raw_step, spath)
        kind = step.get("type")
        if kind == "get_attr":
            out.append(_required_str(step, "value", spath))
        elif kind == "index":
            wrapped = _object(step.get("value"), f"{spath}.value")
            key = wrapped.get("value")
            if isinstance(key, str) or _is_int(key):
                out.append(key)
            elif isinstance(key, float) and key.is_integer():
                out.append(int(key))
            else:
                # A set element (an object, say) has no str/int key: the path stops at the
                # set, which marks the whole set sensitive. Too much hidden beats too little.
                break
        else:
            raise _field_error(spath, "type", 'either "get_attr" or "index"', kind)
    return tuple(out)


def _status(instance: dict[str, Any], path: str) -> str | None:
    status = _optional_str(instance, "status", path)
    if status in (None, ""):
        return None
    if status != "tainted":
        raise _field_error(path, "status", '"tainted" or absent', status)
    return status


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    # Some providers store numeric ids; the domain always speaks strings.
    if _is_int(value):
        return str(value)
    return None


# --- version 3 ------------------------------------------------------------------------------

# `[data.]type.name[.index]`, the resource keys of pre-0.12 states.
_V3_KEY = re.compile(r"^(data\.)?([^.]+)\.([^.]+)(?:\.(\d+))?$")


def _parse_v3(doc: dict[str, Any]) -> ParsedState:
    resources: list[StateResource] = []
    outputs: tuple[StateOutput, ...] = ()
    for i, raw in enumerate(_optional_list(doc, "modules", "")):
        mpath = f"modules[{i}]"
        module_doc = _object(raw, mpath)
        module = _v3_module(module_doc, mpath)
        for n, (key, rraw) in enumerate(_optional_object(module_doc, "resources", mpath).items()):
            if not _V3_KEY.match(key):  # not a resource address: shown by position only
                raise StateFormatError(
                    f'{mpath}.resources: key #{n} must look like "type.name", "type.name.N" '
                    'or "data.type.name"'
                )
            resources.extend(_v3_resource(module, key, rraw, f"{mpath}.resources[{_key(key)}]"))
        # Only root outputs are the state's outputs; child-module outputs were internal.
        if module is None:
            outputs = _outputs(module_doc, mpath)
    return ParsedState(
        version=3,
        terraform_version=_optional_str(doc, "terraform_version", ""),
        serial=_serial(doc),
        lineage=_optional_str(doc, "lineage", ""),
        resources=tuple(resources),
        outputs=outputs,
    )


def _v3_module(module_doc: dict[str, Any], path: str) -> str | None:
    segments = module_doc.get("path")
    if (
        not isinstance(segments, list)
        or not segments
        or segments[0] != "root"
        or not all(isinstance(s, str) and s for s in segments)
    ):
        raise _field_error(path, "path", 'an array of names starting with "root"', segments)
    return ".".join(f"module.{s}" for s in segments[1:]) or None


def _v3_resource(module: str | None, key: str, raw: Any, path: str) -> list[StateResource]:
    match = _V3_KEY.match(key)
    assert match is not None  # checked by the caller
    mode = "data" if match.group(1) else "managed"
    type_, name = match.group(2), match.group(3)
    index_key = int(match.group(4)) if match.group(4) is not None else None
    resource = _object(raw, path)
    # Pre-0.12 states leave `provider` empty for the default configuration of the provider
    # the type name implies; spell that configuration out.
    provider_config = _optional_str(resource, "provider", path) or f"provider.{type_.split('_')[0]}"
    provider = _provider_at(provider_config, path)
    dependencies = _str_tuple(resource, "depends_on", path)

    def instance(raw_instance: Any, ipath: str, deposed: str | None) -> StateResource:
        obj = _object(raw_instance, ipath)
        attributes = (
            _flatmap(obj["attributes"], ipath, "attributes")
            if obj.get("attributes") is not None
            else {}
        )
        id_ = _optional_str(obj, "id", ipath) or _id_of(attributes.get("id"))
        tainted = obj.get("tainted", False)
        if not isinstance(tainted, bool | None):
            raise _field_error(ipath, "tainted", "a boolean", tainted)
        return StateResource(
            address=resource_address(module, mode, type_, name, index_key),
            mode=mode,
            type=type_,
            name=name,
            provider=provider,
            provider_config=provider_config,
            module=module,
            index_key=index_key,
            id=id_,
            attributes=attributes,
            dependencies=dependencies,
            status="tainted" if tainted else None,
            deposed=deposed,
            schema_version=_v3_schema_version(obj, ipath),
        )

    out: list[StateResource] = []
    if resource.get("primary") is not None:
        out.append(instance(resource["primary"], f"{path}.primary", None))
    for n, raw_deposed in enumerate(_optional_list(resource, "deposed", path)):
        # v3 deposed objects have no key; number them so each address stays distinct.
        out.append(instance(raw_deposed, f"{path}.deposed[{n}]", f"{n:08x}"))
    return out


def _v3_schema_version(instance: dict[str, Any], path: str) -> int | None:
    meta = instance.get("meta")
    if meta is None:
        return None
    meta = _object(meta, f"{path}.meta")
    value = meta.get("schema_version")
    if value is None:
        return None
    # The v3 writer stores every meta value as a string.
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    if _is_int(value) and value >= 0:
        return int(value)
    raise _field_error(f"{path}.meta", "schema_version", "a non-negative integer", value)


# --- terraform show -json ------------------------------------------------------------------

# Top-level keys that only `terraform show -json` of a *plan* has.
_PLAN_KEYS = ("planned_values", "resource_changes", "prior_state", "resource_drift")
_FORMAT_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def _parse_show_json(doc: dict[str, Any]) -> ParsedState:
    # `terraform show -json` of a state: the JSON output format, not the state file format.
    # It carries no serial and no lineage; provider configurations lose their module and
    # alias (only the provider's source address is kept); dynamically typed attributes are
    # written as plain values, not wrapped as {"value", "type"} the way state files do.
    if any(key in doc for key in _PLAN_KEYS):
        raise StateFormatError(
            "this is `terraform show -json` output of a plan, not a state file; "
            "pass the .tfstate file"
        )
    format_version = doc["format_version"]
    match = _FORMAT_VERSION.match(format_version) if isinstance(format_version, str) else None
    if match is None:
        raise _field_error("", "format_version", 'a version string like "1.0"', format_version)
    if match.group(1) != "1":
        raise StateFormatError(
            "unsupported `terraform show -json` format_version (driftmgr reads 1.x)"
        )
    values = _optional_object(doc, "values", "")
    resources: list[StateResource] = []
    # Modules nest as deeply as the configuration does: walk them without recursion.
    stack: list[tuple[dict[str, Any], str | None, str]] = [
        (_optional_object(values, "root_module", "values"), None, "values.root_module")
    ]
    while stack:
        module_doc, module, mpath = stack.pop()
        for i, item in enumerate(_optional_list(module_doc, "resources", mpath)):
            resources.append(_show_resource(item, module, f"{mpath}.resources[{i}]"))
        children = _optional_list(module_doc, "child_modules", mpath)
        for j in reversed(range(len(children))):
            cpath = f"{mpath}.child_modules[{j}]"
            child = _object(children[j], cpath)
            stack.append((child, _required_name(child, "address", cpath), cpath))
    return ParsedState(
        version=0,
        terraform_version=_optional_str(doc, "terraform_version", ""),
        serial=None,
        lineage=None,
        resources=tuple(resources),
        outputs=_outputs(values, "values"),
    )


def _show_resource(item: Any, module: str | None, path: str) -> StateResource:
    resource = _object(item, path)
    mode = _required_str(resource, "mode", path)
    if mode not in ("managed", "data"):
        raise _field_error(path, "mode", 'either "managed" or "data"', mode)
    type_ = _required_name(resource, "type", path)
    name = _required_name(resource, "name", path)
    # The address repeats what the other fields say; ours is built the same way as for
    # state files, so that both formats give equal addresses.
    _optional_str(resource, "address", path)
    index_key = _index_key(resource, path, "index")
    source = _required_str(resource, "provider_name", path)
    provider_config = f'provider["{source}"]'
    try:
        if '"' in source:
            raise StateFormatError(source)
        provider = provider_short_name(provider_config)
    except StateFormatError:
        raise _field_error(
            path,
            "provider_name",
            'a provider source address like "registry.terraform.io/hashicorp/aws"',
            source,
        ) from None
    attributes = resource.get("values")
    if attributes is None:
        attributes = {}
    elif not isinstance(attributes, dict):
        raise _field_error(path, "values", "an object", attributes)
    tainted = resource.get("tainted")
    if not isinstance(tainted, bool | None):
        raise _field_error(path, "tainted", "a boolean", tainted)
    return StateResource(
        address=resource_address(module, mode, type_, name, index_key),
        mode=mode,
        type=type_,
        name=name,
        provider=provider,
        provider_config=provider_config,
        module=module,
        index_key=index_key,
        id=_id_of(attributes.get("id")),
        attributes=attributes,
        sensitive_paths=_sensitive_tree(resource.get("sensitive_values"), path),
        dependencies=_str_tuple(resource, "depends_on", path),
        status="tainted" if tainted else None,
        deposed=_optional_str(resource, "deposed_key", path) or None,
        schema_version=_optional_int(resource, "schema_version", path),
    )


def _sensitive_tree(tree: Any, path: str) -> tuple[AttributePath, ...]:
    """The paths to the `true` leaves of a `sensitive_values` tree, in document order.

    The tree mirrors the attribute values: objects for objects and maps, arrays for lists,
    tuples and sets, `true` where a value is sensitive, and `false` or an empty container
    where nothing below is.
    """
    if tree is None:
        return ()
    paths: list[AttributePath] = []
    stack: list[tuple[Any, AttributePath]] = [(tree, ())]
    while stack:
        node, at = stack.pop()
        if node is True:
            paths.append(at)
        elif isinstance(node, dict):
            stack.extend((node[key], (*at, key)) for key in reversed(node))
        elif isinstance(node, list):
            stack.extend((node[k], (*at, k)) for k in reversed(range(len(node))))
        elif node is not False and node is not None:
            where = f"{path}.sensitive_values" + "".join(
                f"[{_key(step)}]" if isinstance(step, str) else f"[{step}]" for step in at
            )
            raise _element_error(where, "a boolean, an object or an array", node)
    return tuple(paths)


# --- writing -------------------------------------------------------------------------------


class _Output(msgspec.Struct, kw_only=True, omit_defaults=True):
    value: Any
    type: Any = None
    sensitive: bool = False


class _Instance(msgspec.Struct, kw_only=True, omit_defaults=True):
    index_key: int | str | None = None
    status: str | None = None
    deposed: str | None = None
    schema_version: int | None = None
    attributes: dict[str, Any] | None = None
    attributes_flat: dict[str, Any] | None = None
    sensitive_attributes: list[list[dict[str, Any]]]
    dependencies: tuple[str, ...] = ()


class _Resource(msgspec.Struct, kw_only=True, omit_defaults=True):
    module: str | None = None
    mode: str
    type: str
    name: str
    provider: str
    instances: list[_Instance]


class _StateV4(msgspec.Struct, kw_only=True, omit_defaults=True):
    version: int
    terraform_version: str | None = None
    serial: int
    lineage: str | None = None
    outputs: dict[str, _Output]
    resources: list[_Resource]
    check_results: None


_ENCODER = msgspec.json.Encoder()


def serialise_state(state: ParsedState) -> bytes:
    """Write ``state`` as a version 4 state file (compact JSON).

    Instances are grouped into resources by (module, mode, type, name, provider
    configuration), in order of first appearance. ``parse_state`` reads the result back into
    an equal :class:`ParsedState`, except that the version becomes 4 and a missing serial
    becomes 0.

    What cannot be recovered is written the closest way:

    - Sensitive paths become cty paths; a string step is an attribute name (``get_attr``)
      unless it is a map key (``index``). Which one is taken from the type of a dynamically
      typed value when the path runs through one, and otherwise guessed the way provider
      schemas usually go: the first step and a step after a list index name attributes
      (nested blocks), other string steps are map keys (``tags.Name``).
    - Flatmap attributes (a version 3 state, or a version 4 ``attributes_flat``) are
      written as ``attributes_flat``: keys with dots and every value a string.
    - Values from ``terraform show -json`` stay as they are: dynamically typed attributes
      are not re-wrapped as {"value", "type"}, and provider configurations keep the form
      they were read in (``provider["host/ns/name"]``, or ``provider.aws`` from version 3).
    """
    flat_state = state.version == 3
    groups: dict[tuple[str | None, str, str, str, str], _Resource] = {}
    for r in state.resources:
        key = (r.module, r.mode, r.type, r.name, r.provider_config)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Resource(
                module=r.module,
                mode=r.mode,
                type=r.type,
                name=r.name,
                provider=r.provider_config,
                instances=[],
            )
        flat = flat_state or _is_flatmap(r.attributes)
        group.instances.append(
            _Instance(
                index_key=r.index_key,
                status=r.status,
                deposed=r.deposed,
                schema_version=r.schema_version,
                attributes=None if flat else r.attributes,
                attributes_flat=r.attributes if flat else None,
                sensitive_attributes=[_cty_steps(p, r.attributes) for p in r.sensitive_paths],
                dependencies=r.dependencies,
            )
        )
    document = _StateV4(
        version=4,
        terraform_version=state.terraform_version,
        serial=state.serial if state.serial is not None else 0,
        lineage=state.lineage,
        outputs={
            o.name: _Output(value=o.value, type=o.type, sensitive=o.sensitive)
            for o in state.outputs
        },
        resources=list(groups.values()),
        check_results=None,
    )
    return _ENCODER.encode(document)


def _is_flatmap(attributes: dict[str, Any]) -> bool:
    # JSON attributes are named by schema identifiers, which have no dots; flatmap keys
    # spell paths with them (`tags.%`, `ingress.0.from_port`).
    return any("." in key for key in attributes) and all(
        isinstance(value, str) for value in attributes.values()
    )


_CTY_PRIMITIVES = frozenset(("string", "number", "bool", "dynamic"))
_CTY_COLLECTIONS = frozenset(("list", "set", "map", "object", "tuple"))
_MISSING: Any = object()


def _cty_steps(path: AttributePath, attributes: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    value: Any = attributes
    type_: Any = None  # the cty type of `value` when a dynamic wrapper told it
    for n, step in enumerate(path):
        if isinstance(step, int):
            steps.append({"type": "index", "value": {"value": step, "type": "number"}})
            value = value[step] if isinstance(value, list) and 0 <= step < len(value) else _MISSING
            type_ = _cty_element_type(type_, step)
        else:
            if type_ is not None:
                is_attribute = isinstance(type_, list) and type_[0] == "object"
            else:
                is_attribute = n == 0 or isinstance(path[n - 1], int)
            if is_attribute:
                steps.append({"type": "get_attr", "value": step})
            else:
                steps.append({"type": "index", "value": {"value": step, "type": "string"}})
            value = value.get(step, _MISSING) if isinstance(value, dict) else _MISSING
            type_ = _cty_element_type(type_, step)
        if type_ is None and _is_dynamic_wrapper(value):
            type_, value = value["type"], value["value"]
    return steps


def _is_dynamic_wrapper(value: Any) -> bool:
    # State files wrap values of dynamically typed attributes as {"value": v, "type": t}.
    if not isinstance(value, dict) or len(value) != 2 or "value" not in value:
        return False
    type_ = value.get("type")
    if isinstance(type_, str):
        return type_ in _CTY_PRIMITIVES
    return isinstance(type_, list) and len(type_) == 2 and type_[0] in _CTY_COLLECTIONS


def _cty_element_type(type_: Any, step: str | int) -> Any:
    """The cty type one step below ``type_``, or None when it is not known."""
    if not isinstance(type_, list) or len(type_) != 2:
        return None
    kind, inner = type_
    if kind in ("list", "set", "map"):
        return inner
    if kind == "object" and isinstance(inner, dict) and isinstance(step, str):
        return inner.get(step)
    if kind == "tuple" and isinstance(inner, list) and isinstance(step, int):
        return inner[step] if 0 <= step < len(inner) else None
    return None


# --- shared pieces --------------------------------------------------------------------------


def _outputs(obj: dict[str, Any], path: str) -> tuple[StateOutput, ...]:
    outputs = _optional_object(obj, "outputs", path)
    prefix = f"{path}.outputs" if path else "outputs"
    result: list[StateOutput] = []
    for name, raw_output in outputs.items():
        opath = f"{prefix}[{_key(name)}]"
        output = _object(raw_output, opath)
        if "value" not in output:
            raise StateFormatError(f"{opath}: missing 'value'")
        sensitive = output.get("sensitive")
        if not isinstance(sensitive, bool | None):
            raise _field_error(opath, "sensitive", "a boolean", sensitive)
        result.append(
            StateOutput(
                name=name, value=output["value"], sensitive=bool(sensitive), type=output.get("type")
            )
        )
    return tuple(result)


def _serial(doc: dict[str, Any]) -> int:
    if "serial" not in doc:
        raise StateFormatError("not a Terraform state: missing 'serial'")
    serial = doc["serial"]
    if not _is_int(serial) or serial < 0:
        raise _field_error("", "serial", "a non-negative integer", serial)
    return int(serial)


def _provider_at(provider_config: str, path: str) -> str:
    try:
        return provider_short_name(provider_config)
    except StateFormatError:
        raise StateFormatError(
            f"{path}: 'provider' is not a provider configuration address"
        ) from None


def _flatmap(raw: Any, path: str, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _field_error(path, key, "an object", raw)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise _element_error(f"{path}.{key}[{_key(name)}]", "a string", value)
    return raw


def _str_tuple(obj: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
    items = _optional_list(obj, key, path)
    for n, item in enumerate(items):
        if not isinstance(item, str):
            raise _element_error(f"{path}.{key}[{n}]", "a string", item)
    return tuple(items)


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _element_error(path, "an object", value)
    return value


def _optional_object(obj: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _field_error(path, key, "an object", value)
    return value


def _optional_list(obj: dict[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _field_error(path, key, "an array", value)
    return value


def _optional_str(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _field_error(path, key, "a string", value)


def _required_str(obj: dict[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise StateFormatError(f"{path}: missing '{key}'")
    value = obj[key]
    if not isinstance(value, str):
        raise _field_error(path, key, "a string", value)
    return value


def _required_name(obj: dict[str, Any], key: str, path: str) -> str:
    value = _required_str(obj, key, path)
    if not value:
        raise _field_error(path, key, "a non-empty string", value)
    return value


def _optional_int(obj: dict[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise _field_error(path, key, "a non-negative integer", value)
    return int(value)


def _is_int(value: Any) -> TypeGuard[int]:
    # JSON true/false decode to bool, which Python counts as int.
    return isinstance(value, int) and not isinstance(value, bool)


def _field_error(path: str, key: str, expected: str, value: Any) -> StateFormatError:
    where = f"{path}: " if path else ""
    return StateFormatError(f"{where}'{key}' must be {expected}, got {_describe(value)}")


def _element_error(path: str, expected: str, value: Any) -> StateFormatError:
    return StateFormatError(f"{path} must be {expected}, got {_describe(value)}")


def _describe(value: Any) -> str:
    """A JSON value for an error message: its kind only. Messages reach API clients, and the
    document may not be a state at all: they name the place and the expected kind, never the
    value found there."""
    return _article(value)


def _article(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


def _key(name: str) -> str:
    """An object key in a path: quoted when it is name-shaped (outputs, attributes, resource
    keys), else ``…``: a key is part of the document, and only its structure is shown."""
    return _quote(name) if _NAME_SHAPED.fullmatch(name) else "…"


_NAME_SHAPED = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.%#-]{0,63}")


def _quote(text: str, limit: int = 60) -> str:
    # JSON quoting escapes newlines and control characters, so messages stay on one line.
    shown = text if len(text) <= limit else text[:limit] + "…"
    return json.dumps(shown, ensure_ascii=False)
