"""Parse Terraform state files (format versions 3 and 4) into :class:`StateResource` values.

Pure: bytes in, value objects out. The document is decoded into builtins by msgspec (fast on
100 MB states) and then checked by hand, so that every problem is reported as one
:class:`StateFormatError` whose message names the place in the document, e.g.
``resources[2].instances[0]: 'attributes' must be an object, got array``. Unknown fields are
ignored everywhere: newer Terraform releases add fields (``identity``, ``check_results`` …)
that drift detection does not need.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeGuard

import msgspec

from driftmgr.domain.resources import AttributePath, StateResource

__all__ = [
    "ParsedState",
    "StateFormatError",
    "StateOutput",
    "parse_state",
    "provider_short_name",
    "resource_address",
]

SUPPORTED_VERSIONS = (3, 4)


class StateFormatError(ValueError):
    """The input is not a Terraform state driftmgr can read; the message says why, on one line."""

    def __init__(self, message: str) -> None:
        # Messages end up in problem+json bodies and log lines: keep them to one line.
        super().__init__(" ".join(message.splitlines()))


class StateOutput(msgspec.Struct, frozen=True):
    """One root-module output. Sensitive values are plaintext in the state, and here too."""

    name: str
    value: Any
    sensitive: bool
    type: Any = None
    """The cty type in JSON form (``"string"``, ``["object", {...}]``); None when absent."""


class ParsedState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything driftmgr reads from one state file."""

    version: int
    terraform_version: str | None
    serial: int
    lineage: str | None
    resources: tuple[StateResource, ...]
    """Every resource instance, managed and data, current and deposed, in document order."""
    outputs: tuple[StateOutput, ...]

    @property
    def managed(self) -> tuple[StateResource, ...]:
        """The instances Terraform manages now: data sources and deposed leftovers excluded."""
        return tuple(r for r in self.resources if r.mode == "managed" and r.deposed is None)


def parse_state(data: bytes | str) -> ParsedState:
    """Parse a state file's content; raise :class:`StateFormatError` for anything else."""
    doc = _decode(data)
    if not isinstance(doc, dict):
        raise StateFormatError(
            f"not a Terraform state: top-level JSON is {_article(doc)}, expected an object"
        )
    if "version" not in doc:
        raise StateFormatError(_explain_missing_version(doc))
    version = doc["version"]
    if not _is_int(version):
        raise StateFormatError(f"'version' must be an integer, got {_describe(version)}")
    if version == 4:
        return _parse_v4(doc)
    if version == 3:
        return _parse_v3(doc)
    raise StateFormatError(f"unsupported state version {version} (driftmgr reads versions 3 and 4)")


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
    raise StateFormatError(f"not a provider configuration address: {_quote(provider_config)}")


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
    except msgspec.DecodeError as exc:
        raise StateFormatError(_explain_json_error(raw, start, str(exc))) from exc
    except UnicodeDecodeError as exc:
        raise StateFormatError(_explain_bad_utf8(raw)) from exc
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


def _explain_bad_utf8(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"not valid UTF-8 at {_line_column(raw, exc.start)}: "
            f"byte 0x{raw[exc.start]:02x} cannot start or continue a character"
        )
    return "not valid UTF-8"


def _line_column(raw: bytes, offset: int) -> str:
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line} column {column}"


def _explain_missing_version(doc: dict[str, Any]) -> str:
    if "format_version" in doc:
        if any(key in doc for key in ("planned_values", "resource_changes", "prior_state")):
            return (
                "this is `terraform show -json` output of a plan, not a state file; "
                "pass the .tfstate file"
            )
        return "this is `terraform show -json` output, not a state file; pass the .tfstate file"
    return "not a Terraform state: the JSON object has no 'version' field"


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


def _index_key(instance: dict[str, Any], path: str) -> int | str | None:
    key = instance.get("index_key")
    if key is None or isinstance(key, str) or _is_int(key):
        return key
    # Go's JSON decoder reads every number as a float; accept what Terraform accepts.
    if isinstance(key, float) and key.is_integer():
        return int(key)
    raise _field_error(path, "index_key", "an integer or a string", key)


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
        for key, rraw in _optional_object(module_doc, "resources", mpath).items():
            resources.extend(_v3_resource(module, key, rraw, f"{mpath}.resources[{_quote(key)}]"))
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
    if not match:
        raise StateFormatError(
            f'{path}: resource key must look like "type.name", "type.name.N" or '
            f'"data.type.name", got {_quote(key)}'
        )
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


# --- shared pieces --------------------------------------------------------------------------


def _outputs(obj: dict[str, Any], path: str) -> tuple[StateOutput, ...]:
    outputs = _optional_object(obj, "outputs", path)
    prefix = f"{path}.outputs" if path else "outputs"
    result: list[StateOutput] = []
    for name, raw_output in outputs.items():
        opath = f"{prefix}[{_quote(name)}]"
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
            f"{path}: 'provider' is not a provider configuration address: {_quote(provider_config)}"
        ) from None


def _flatmap(raw: Any, path: str, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _field_error(path, key, "an object", raw)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise _element_error(f"{path}.{key}[{_quote(name)}]", "a string", value)
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
    """A JSON value for an error message: its kind, and scalars shown (shortened)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        text = str(value)
        return f"number {text if len(text) <= 40 else text[:40] + '…'}"
    if isinstance(value, str):
        return f"string {_quote(value)}"
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


def _quote(text: str, limit: int = 60) -> str:
    # JSON quoting escapes newlines and control characters, so messages stay on one line.
    shown = text if len(text) <= limit else text[:limit] + "…"
    return json.dumps(shown, ensure_ascii=False)
