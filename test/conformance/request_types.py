"""Request bodies checked against the SDK's request parameter TypedDicts, unknown keys refused.

The SDK types its request bodies as TypedDicts (`JobCreateParams`, ...); a TypedDict accepts
anything at run time, so this walks the type hints itself: every key must be declared, every
Required key present, every value of the declared type (Literal values included).
"""

from __future__ import annotations

import collections.abc
import datetime
import typing
from typing import Any, Dict, List, Tuple

import typing_extensions
from typing_extensions import get_args, get_origin, get_type_hints, is_typeddict

from nemo_microservices.types import dataset_create_params, dataset_update_params, embedding_create_params
from nemo_microservices.types import namespace_create_params
from nemo_microservices.types.chat import completion_create_params
from nemo_microservices.types.customization import config_create_params as customization_config_params
from nemo_microservices.types.customization import job_create_params as customization_job_params
from nemo_microservices.types.deployment import model_deployment_create_params
from nemo_microservices.types.evaluation import job_create_params as evaluation_job_params

# Route template (as the emulator records it) → the SDK's params for that body.
ROUTES: Dict[str, Any] = {
    "POST /v1/namespaces": namespace_create_params.NamespaceCreateParams,
    "POST /v1/datasets": dataset_create_params.DatasetCreateParams,
    # the path carries the namespace the SDK's params also allow in the body
    "PATCH /v1/datasets/{ns}/{name}": dataset_update_params.DatasetUpdateParams,
    "POST /v1/deployment/model-deployments": model_deployment_create_params.ModelDeploymentCreateParams,
    "POST /v1/customization/configs": customization_config_params.ConfigCreateParams,
    "POST /v1/customization/jobs": customization_job_params.JobCreateParams,
    "POST /v1/evaluation/jobs": evaluation_job_params.JobCreateParams,
    "POST /v1/chat/completions": completion_create_params.CompletionCreateParamsNonStreaming,
    "POST /v1/embeddings": embedding_create_params.EmbeddingCreateParams,
}

# Bodies that no SDK type covers (Datastore Hub routes: checked with huggingface_hub instead).
UNTYPED_PREFIXES = ("POST /v1/hf/", "DELETE /v1/hf/", "POST /v1/datastore/")


class Mismatch(Exception):
    pass


def validate_request(route: str, body: Any) -> None:
    params = ROUTES.get(route)
    if params is None:
        if route.startswith(UNTYPED_PREFIXES) or body is None:
            return
        raise Mismatch(f"{route}: no SDK request type covers this body")
    problems: List[str] = []
    _check(body, params, "body", problems)
    if problems:
        raise Mismatch("; ".join(problems[:20]))


def _hints(td: Any) -> Dict[str, Any]:
    return get_type_hints(td, include_extras=True)


def _unwrap(tp: Any) -> Tuple[Any, bool, bool]:
    """(type, required?, not_required?) with Annotated / Required / NotRequired peeled off."""
    required = not_required = False
    while True:
        origin = get_origin(tp)
        if origin in (typing_extensions.Required, getattr(typing, "Required", None)):
            required, tp = True, get_args(tp)[0]
        elif origin in (typing_extensions.NotRequired, getattr(typing, "NotRequired", None)):
            not_required, tp = True, get_args(tp)[0]
        elif origin is typing_extensions.Annotated or origin is getattr(typing, "Annotated", None):
            tp = get_args(tp)[0]
        else:
            return tp, required, not_required


def _aliases(td: Any) -> Dict[str, str]:
    """SDK keys sent under another name (`PropertyInfo(alias=...)`)."""
    out = {}
    for key, tp in _hints(td).items():
        for meta in getattr(tp, "__metadata__", ()) or ():
            alias = getattr(meta, "alias", None)
            if alias:
                out[alias] = key
    return out


def _check(value: Any, tp: Any, where: str, problems: List[str]) -> bool:
    tp, _, _ = _unwrap(tp)
    if tp is Any or tp is object:
        return True
    origin = get_origin(tp)
    if is_typeddict(tp):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object ({tp.__name__}), got {type(value).__name__}")
            return False
        hints = _hints(tp)
        aliases = _aliases(tp)
        total = getattr(tp, "__total__", True)
        ok = True
        for key in value:
            if key not in hints and key not in aliases:
                problems.append(f"{where}.{key}: unknown key (not in the SDK's {tp.__name__})")
                ok = False
        for key, field_tp in hints.items():
            _, required, not_required = _unwrap(field_tp)
            is_required = required or (total and not not_required)
            if key not in value and is_required:
                problems.append(f"{where}.{key}: required by {tp.__name__}")
                ok = False
        for key, item in value.items():
            field = hints.get(aliases.get(key, key))
            if field is not None:
                ok = _check(item, field, f"{where}.{key}", problems) and ok
        return ok
    if origin is typing.Union or (hasattr(__import__("types"), "UnionType") and isinstance(tp, __import__("types").UnionType)):
        options = get_args(tp)
        # the first option that fits without problems wins; else report the closest (fewest problems)
        best: List[str] | None = None
        for option in options:
            attempt: List[str] = []
            if _check(value, option, where, attempt):
                return True
            if best is None or len(attempt) < len(best):
                best = attempt
        problems.extend(best or [f"{where}: matches no option of {tp}"])
        return False
    if origin is typing.Literal or origin is typing_extensions.Literal:
        if value in get_args(tp):
            return True
        problems.append(f"{where}: {value!r} is not one of {list(get_args(tp))}")
        return False
    if tp is type(None):
        if value is None:
            return True
        problems.append(f"{where}: expected null")
        return False
    if origin in (list, collections.abc.Iterable, collections.abc.Sequence, typing.List, typing.Iterable, typing.Sequence):
        if not isinstance(value, list):
            problems.append(f"{where}: expected an array, got {type(value).__name__}")
            return False
        (item_tp,) = get_args(tp) or (Any,)
        return all([_check(v, item_tp, f"{where}[{i}]", problems) for i, v in enumerate(value)])
    if origin in (dict, collections.abc.Mapping, typing.Dict):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {type(value).__name__}")
            return False
        args = get_args(tp)
        value_tp = args[1] if len(args) == 2 else Any
        return all([_check(v, value_tp, f"{where}.{k}", problems) for k, v in value.items()])
    if tp is str or getattr(tp, "__name__", "") == "SequenceNotStr":
        if isinstance(value, str):
            return True
        problems.append(f"{where}: expected a string, got {type(value).__name__}")
        return False
    if tp is bool:
        if isinstance(value, bool):
            return True
        problems.append(f"{where}: expected a boolean")
        return False
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return True
        problems.append(f"{where}: expected an integer, got {value!r}")
        return False
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        problems.append(f"{where}: expected a number, got {value!r}")
        return False
    if tp in (datetime.datetime, datetime.date):
        if isinstance(value, str):
            return True
        problems.append(f"{where}: expected a date-time string")
        return False
    if origin is not None and getattr(origin, "__name__", "") == "SequenceNotStr":
        if isinstance(value, list):
            (item_tp,) = get_args(tp)
            return all([_check(v, item_tp, f"{where}[{i}]", problems) for i, v in enumerate(value)])
        problems.append(f"{where}: expected an array of strings")
        return False
    problems.append(f"{where}: the checker does not know type {tp!r}")
    return False
