"""What is secret in a Terraform attribute tree, and the same tree with every secret hidden.

Pure: no IO. Everything that shows a value from a state or from the cloud to a person or a
program (the inventory, drift reports, state views and comparisons) passes it through here
first, so that a secret never reaches a read model, a response, a terminal or a log line.

A value is secret when any of these says so:

1. **the state** marks its path sensitive (``sensitive_attributes``, a sensitive output);
2. **the catalogue** (:data:`SECRET_ATTRIBUTES`) lists its path for the resource type: the
   attributes the hashicorp provider schemas mark ``Sensitive``, plus the ones that carry
   secrets without saying so (a Lambda function's environment, an instance's user data);
3. **its name**, or the name of a map key or attribute above it, is a well-known secret name
   (:func:`is_secret_name`: ``password``, ``DB_PASSWORD``, ``stripeApiKey``, ``user_data`` …);
4. it is a **value of an environment-variable map** (``variables``, ``environment`` …: every
   value, whatever its name; ``name``/``value`` pairs show the name, hide the value);
5. **it looks like one** (:func:`looks_secret`): a URL with a password in it, a PEM private
   key, ``password=…`` in a connection string.

A string holding a JSON document (ECS container definitions, policies) is read as the tree
it encodes; when something in it is secret, it is shown re-encoded with that part hidden.

Hidden values read :data:`SENSITIVE_VALUE`. ``None`` stays ``None`` (that a value is absent
is no secret), map keys and the shape of the tree stay, so a person still sees *where* a
secret is. Conservative by design: when the shape does not match what a rule expects (a
scalar where the catalogue names a field inside it), the value is hidden.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

__all__ = [
    "SECRET_ATTRIBUTES",
    "SENSITIVE_VALUE",
    "Secrets",
    "is_secret_name",
    "looks_secret",
    "parse_path",
    "redact_attributes",
    "redact_value",
]

#: What a hidden value shows instead of itself, everywhere in driftmgr.
SENSITIVE_VALUE = "(sensitive)"

Step = str | int
Path = tuple[Step, ...]

#: Per Terraform type, the attribute paths that carry secrets: dots between names, ``[*]``
#: for any position of a list, ``*`` for any key of a map. A path covers everything under
#: it. The names that :func:`is_secret_name` recognises are secret in every type anyway;
#: they are listed where the provider schema marks them ``Sensitive``, so that the
#: catalogue reads as the schema does.
SECRET_ATTRIBUTES: Mapping[str, tuple[str, ...]] = {
    # -- the types driftmgr lists and compares ----------------------------------------------
    "aws_db_instance": ("password", "password_wo"),
    "aws_instance": ("user_data", "user_data_base64"),
    "aws_launch_template": ("user_data",),
    "aws_lambda_function": ("environment[*].variables.*",),
    "aws_lb_listener": ("default_action[*].authenticate_oidc[*].client_secret",),
    # -- other types whose schema marks secrets: shown in state views and comparisons -------
    "aws_acm_certificate": ("private_key",),
    "aws_amplify_app": (
        "access_token",
        "basic_auth_credentials",
        "environment_variables.*",
        "oauth_token",
    ),
    "aws_api_gateway_api_key": ("value",),
    "aws_appsync_api_key": ("key",),
    "aws_codebuild_project": ("environment[*].environment_variable[*].value",),
    "aws_cognito_user_pool_client": ("client_secret",),
    "aws_directory_service_directory": ("password",),
    "aws_dms_endpoint": ("password",),
    "aws_docdb_cluster": ("master_password",),
    "aws_elasticache_replication_group": ("auth_token",),
    "aws_elasticache_user": ("passwords",),
    "aws_elasticsearch_domain": (
        "advanced_security_options[*].master_user_options[*].master_user_password",
    ),
    "aws_glue_connection": ("connection_properties.*",),
    "aws_iam_access_key": ("secret", "ses_smtp_password_v4"),
    "aws_iam_server_certificate": ("private_key",),
    "aws_iam_user_login_profile": ("password",),
    "aws_kinesis_firehose_delivery_stream": (
        "http_endpoint_configuration[*].access_key",
        "redshift_configuration[*].password",
        "splunk_configuration[*].hec_token",
    ),
    "aws_kms_ciphertext": ("plaintext",),
    "aws_launch_configuration": ("user_data", "user_data_base64"),
    "aws_lb_listener_rule": ("action[*].authenticate_oidc[*].client_secret",),
    "aws_lightsail_instance": ("user_data",),
    "aws_mq_broker": ("user[*].password",),
    "aws_opensearch_domain": (
        "advanced_security_options[*].master_user_options[*].master_user_password",
    ),
    "aws_rds_cluster": ("master_password", "master_password_wo"),
    "aws_redshift_cluster": ("master_password",),
    "aws_sagemaker_model": ("container[*].environment.*", "primary_container[*].environment.*"),
    "aws_secretsmanager_secret_version": ("secret_binary", "secret_string"),
    "aws_sns_platform_application": ("platform_credential", "platform_principal"),
    "aws_spot_instance_request": ("user_data", "user_data_base64"),
    "aws_ssm_parameter": ("value",),
    "random_password": ("bcrypt_hash", "result"),
    "tls_private_key": ("private_key_openssh", "private_key_pem", "private_key_pem_pkcs8"),
}

#: Words that make a name secret wherever they appear in one of its words
#: (``DBPASSWORD``, ``admin_password``, ``client_secret``, ``x-auth-token``).
_SECRET_PARTS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
    "privatekey",
    "secretkey",
    "accesskey",
    "connectionstring",
    "connstr",
)
#: Words that make a name secret only as a whole word (``auth`` but not ``author``).
_SECRET_WORDS = frozenset({"auth", "authorization", "pwd", "dsn", "creds"})
#: Consecutive words that make a name secret (``api_key``, ``PrivateKey``, ``user_data``).
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("private", "key"),
        ("secret", "key"),
        ("access", "key"),
        ("signing", "key"),
        ("connection", "string"),
        ("conn", "str"),
        ("conn", "string"),
        ("user", "data"),
        ("custom", "data"),
    }
)
#: A name ending in one of these words names *about* a secret, not the secret itself
#: (``secret_arn``, ``access_key_id``, ``password_length``, ``token_endpoint``).
_REFERENCE_WORDS = frozenset(
    {
        "arn",
        "arns",
        "id",
        "ids",
        "name",
        "names",
        "status",
        "type",
        "types",
        "version",
        "length",
        "enabled",
        "required",
        "count",
        "policy",
        "rotation",
        "ttl",
        "endpoint",
        "url",
        "uri",
    }
)
#: Names with a secret word that are settings, not secrets.
_NOT_SECRET_NAMES = frozenset(
    {
        "http_tokens",  # IMDSv2: "required" or "optional" (aws_instance, aws_launch_template)
        "manage_master_user_password",  # a flag (aws_db_instance)
        "get_password_data",  # a flag (aws_instance)
        "user_data_replace_on_change",  # a flag (aws_instance)
    }
)
#: Maps (and lists of ``name``/``value`` pairs or ``KEY=value`` strings) whose every value
#: is an environment variable; a plain string there is a block of variables.
_ENVIRONMENT_KEYS = frozenset(
    {
        "environment_variables",
        "environment_variable",
        "env_vars",
        "envvars",
        "variables",
        "runtime_environment_variables",
        "runtime_environment_secrets",
    }
)
#: The same, except that a plain string there is a setting (a tag ``Environment = prod``).
_ENVIRONMENT_SETTINGS = frozenset({"environment", "env"})

_WORD_BREAK = re.compile(r"[^A-Za-z0-9]+")
_CAMEL_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:[^/\s@]+@")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_ASSIGNED_SECRET = re.compile(
    r"(?i)(?:^|[\s;,&?])(?:password|passwd|pwd|secret|token|api_?key|access_?key|secret_?key)"
    r"\s*=\s*[^\s;,&]"
)


def _words(name: str) -> list[str]:
    words: list[str] = []
    for chunk in _WORD_BREAK.split(name):
        words += [w.lower() for w in _CAMEL_BREAK.split(chunk) if w]
    return words


@lru_cache(maxsize=8192)
def is_secret_name(name: str) -> bool:
    """Whether an attribute or map key with this name holds a secret.

    Names are split into words at ``_``, ``-``, ``.``, spaces and camelCase humps, then
    compared case-insensitively: ``DB_PASSWORD``, ``stripeApiKey``, ``x-auth-token``,
    ``user_data`` are secret; ``secret_arn``, ``access_key_id``, ``author`` are not.
    """
    if name.lower() in _NOT_SECRET_NAMES:
        return False
    words = _words(name)
    if not words or words[-1] in _REFERENCE_WORDS:
        return False
    if any(part in word for word in words for part in _SECRET_PARTS):
        return True
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def looks_secret(text: str) -> bool:
    """Whether a string carries a secret whatever its name: a URL with a password
    (``postgres://app:pw@db/x``), a PEM private key, ``Password=…`` in a connection string."""
    return bool(
        _URL_PASSWORD.search(text) or _PRIVATE_KEY.search(text) or _ASSIGNED_SECRET.search(text)
    )


def parse_path(text: str) -> Path:
    """A path as reports write it back into steps: ``ingress[0].cidr`` → ``("ingress", 0,
    "cidr")``. Map keys holding dots split into several steps, which rules treat alike."""
    steps: list[Step] = []
    for part in text.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        for index in rest.split("[") if rest else ():
            inner = index.rstrip("]")
            steps.append(int(inner) if inner.isdigit() else inner)
    return tuple(steps)


# --- matching ---------------------------------------------------------------------------

_ANY = "*"


class _Node:
    """A trie of secret paths: ``*`` matches any one step."""

    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.terminal = False

    def add(self, path: Iterable[Step]) -> None:
        node = self
        for step in path:
            # Positions are wildcards: list order is not stable across states and the
            # cloud (sets are sorted), and hiding a sibling is better than showing a secret.
            for part in (_ANY,) if isinstance(step, int) else step.split("."):
                node = node.children.setdefault(part, _Node())
        node.terminal = True


def _pattern(text: str) -> Path:
    return parse_path(text)  # "[*]" and ".*" both read as the wildcard step "*"


class _Cursor(NamedTuple):
    """Where the walk is: the trie nodes the path so far matches, and what it implies."""

    nodes: tuple[_Node, ...]
    secret: bool
    """Everything from here down is secret."""
    environment: bool = False
    """The children here are environment variables (or ``name``/``value`` pairs)."""
    item: bool = False
    """A position in an environment list: a ``KEY=value`` string, or a pair."""


_SECRET = _Cursor((), True)


def _advance(nodes: tuple[_Node, ...], part: str) -> tuple[_Node, ...]:
    found: list[_Node] = []
    for node in nodes:
        for key in (part, _ANY) if part != _ANY else (_ANY,):
            child = node.children.get(key)
            if child is not None:
                found.append(child)
        if part == "value":
            # Dynamic values (terraform_data's input, a module's output object) are stored
            # as {"value": …, "type": …}, while sensitive paths skip the "value" step.
            found.append(node)
    return tuple(found)


def _enter(cursor: _Cursor, step: Step, *, in_pair: bool = False) -> _Cursor:
    if cursor.secret:
        return _SECRET
    nodes = cursor.nodes
    if isinstance(step, int):
        nodes = _advance(nodes, _ANY) if nodes else nodes
        if any(n.terminal for n in nodes):
            return _SECRET
        return _Cursor(nodes, False, cursor.environment, item=cursor.environment)
    key = str(step)
    secret = False
    for part in key.split("."):
        if not nodes:
            break
        nodes = _advance(nodes, part)
        secret = secret or any(n.terminal for n in nodes)
    if secret or is_secret_name(key):
        return _SECRET
    if cursor.environment:
        if in_pair and key == "name":
            return _Cursor(nodes, False)  # the variable's name is shown, its value is not
        return _SECRET  # a variable: secret whatever it is called
    folded = key.lower()
    if folded in _ENVIRONMENT_KEYS:
        return _Cursor(nodes, False, environment=True, item=True)
    return _Cursor(nodes, False, environment=folded in _ENVIRONMENT_SETTINGS)


class Secrets:
    """The secret paths of one resource type (and, optionally, one state's sensitive
    paths), ready to hide values with. ``Secrets.of(None)`` holds the generic rules only."""

    __slots__ = ("_root",)

    def __init__(self, patterns: Iterable[Path]) -> None:
        self._root = _Node()
        for pattern in patterns:
            self._root.add(pattern)

    @staticmethod
    def of(resource_type: str | None, sensitive_paths: Iterable[Path] = ()) -> Secrets:
        extra = tuple(sensitive_paths)
        if not extra:
            return _catalogued(resource_type)
        return Secrets((*_catalogue_patterns(resource_type), *extra))

    def _start(self, path: Iterable[Step]) -> _Cursor:
        cursor = _Cursor((self._root,), False)
        for step in path:
            cursor = _enter(cursor, step)
        return cursor

    def redact(self, value: Any, path: Iterable[Step] = ()) -> Any:
        """``value`` (found at ``path``) with every secret in it replaced by
        :data:`SENSITIVE_VALUE`; the value itself when nothing in it is secret."""
        return self.redact_found(value, path)[0]

    def holds_secret(self, value: Any, path: Iterable[Step] = ()) -> bool:
        """Whether :meth:`redact` would hide anything in ``value`` (found at ``path``)."""
        return self.redact_found(value, path)[1]

    def redact_found(self, value: Any, path: Iterable[Step] = ()) -> tuple[Any, bool]:
        """The redacted value, and whether anything was hidden."""
        return _walk(value, self._start(path))


@lru_cache(maxsize=256)
def _catalogue_patterns(resource_type: str | None) -> tuple[Path, ...]:
    return tuple(_pattern(p) for p in SECRET_ATTRIBUTES.get(resource_type or "", ()))


@lru_cache(maxsize=256)
def _catalogued(resource_type: str | None) -> Secrets:
    return Secrets(_catalogue_patterns(resource_type))


def _walk(value: Any, cursor: _Cursor) -> tuple[Any, bool]:
    # Iterative: attribute trees are data, and data may nest deeper than the recursion limit.
    holder: list[Any] = [None]
    found = False
    pending: list[tuple[Any, _Cursor, Any, Any]] = [(value, cursor, holder, 0)]
    while pending:
        current, where, parent, slot = pending.pop()
        if isinstance(current, dict | list | tuple) and (where.secret or where.item):
            found = True  # even an empty one: the value at a secret path is not shown
        if isinstance(current, dict):
            copy: dict[Any, Any] = {}
            parent[slot] = copy
            pair = "name" in current and "value" in current
            for key, child in current.items():
                copy[key] = None  # keeps the key order
                pending.append((child, _enter(where, key, in_pair=pair), copy, key))
        elif isinstance(current, list | tuple):
            items: list[Any] = [None] * len(current)
            parent[slot] = items
            for index, child in enumerate(current):
                pending.append((child, _enter(where, index), items, index))
        else:
            shown, hidden = _leaf(current, where)
            found = found or hidden
            parent[slot] = shown
    return (holder[0] if found else value), found


def _leaf(value: Any, where: _Cursor) -> tuple[Any, bool]:
    if value is None:
        return None, False
    if where.secret or where.item:
        return SENSITIVE_VALUE, True
    if any(node.children for node in where.nodes):
        # A scalar where a secret path expects more structure: hide it whole.
        return SENSITIVE_VALUE, True
    if isinstance(value, str):
        if looks_secret(value):
            return SENSITIVE_VALUE, True
        document = _json_document(value)
        if document is not None:
            shown, hidden = _walk(document, where)
            if hidden:
                return json.dumps(shown, ensure_ascii=False), True
    return value, False


def _json_document(text: str) -> Any:
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        document = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict | list) else None


def redact_value(
    value: Any,
    *,
    resource_type: str | None = None,
    path: Iterable[Step] = (),
    sensitive_paths: Iterable[Path] = (),
) -> Any:
    """``value`` found at ``path`` of a resource of ``resource_type`` (None: generic rules
    only), with every secret hidden."""
    return Secrets.of(resource_type, sensitive_paths).redact(value, tuple(path))


def redact_attributes(
    resource_type: str | None,
    attributes: Mapping[str, Any],
    sensitive_paths: Iterable[Path] = (),
) -> dict[str, Any]:
    """A resource's attributes with every secret hidden, at any depth."""
    shown: dict[str, Any] = Secrets.of(resource_type, sensitive_paths).redact(dict(attributes))
    return shown
