"""Detect breaking changes between two exported contracts (see ``schema.export_contract``).

Conservative on purpose: installed apps cannot be upgraded in lockstep, so any change of a
field's type counts as breaking; only adding enum values, adding optional fields and loosening
constraints are safe.
"""

import json
from typing import Any

Schema = dict[str, Any]

# Keys that document a schema but do not constrain the wire format.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated"})
# Smaller is tighter / larger is tighter.
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_EXACT = ("pattern", "multipleOf")
_CONSTRAINTS = frozenset(_UPPER + _LOWER + _EXACT)
# Sub-schemas checked recursively once the shapes are known to match, with a path suffix.
_NESTED = {"items": "[]", "additionalProperties": "{}"}


def version_tuple(v: str) -> tuple[int, int]:
    """``"1.10"`` -> ``(1, 10)`` so versions sort numerically; rejects anything else."""
    major, sep, minor = v.partition(".")
    if not (sep and major.isdigit() and minor.isdigit()):
        raise ValueError(f"contract version must be MAJOR.MINOR, got {v!r}")
    return int(major), int(minor)


def _shape(schema: Any) -> Any:
    """The type part of a schema: no annotations, no constraints, enum values collapsed."""
    if isinstance(schema, list):
        return [_shape(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key in _CONSTRAINTS:
            continue
        out[key] = True if key == "enum" else _shape(value)
    return out


def _describe(schema: Any) -> str:
    """A short human form of a schema's type for messages, e.g. ``Priority | null``."""
    if not isinstance(schema, dict):
        return json.dumps(schema)
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_describe(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "enum" + json.dumps(schema["enum"])
    kind = str(schema.get("type", "any"))
    if "format" in schema:
        kind += f"({schema['format']})"
    if isinstance(schema.get("items"), dict):
        kind += f"[{_describe(schema['items'])}]"
    return kind


def _diff_schema(where: str, old: Schema, new: Schema, out: list[str]) -> None:
    """Append breaking differences between two schemas of the same field or component."""
    if _shape(old) != _shape(new):
        out.append(f"{where}: type changed from {_describe(old)} to {_describe(new)}")
        return
    if "enum" in old:
        removed = [v for v in old["enum"] if v not in new["enum"]]
        if removed:
            out.append(f"{where}: enum values removed: {json.dumps(removed)}")
    for key in _UPPER + _LOWER + _EXACT:
        before, after = old.get(key), new.get(key)
        if after is None or before == after:
            continue  # removing or keeping a constraint never rejects a valid payload
        if before is None:
            out.append(f"{where}: {key} added ({after!r})")
        elif key in _EXACT:
            out.append(f"{where}: {key} changed from {before!r} to {after!r}")
        elif (key in _UPPER and after < before) or (key in _LOWER and after > before):
            out.append(f"{where}: {key} tightened from {before!r} to {after!r}")
    for old_sub, new_sub in zip(old.get("anyOf", []), new.get("anyOf", []), strict=True):
        _diff_schema(where, old_sub, new_sub, out)
    for i, (old_sub, new_sub) in enumerate(
        zip(old.get("prefixItems", []), new.get("prefixItems", []), strict=True)
    ):
        _diff_schema(f"{where}[{i}]", old_sub, new_sub, out)
    for key, suffix in _NESTED.items():
        if isinstance(old.get(key), dict):
            _diff_schema(where + suffix, old[key], new[key], out)


def _is_object(schema: Schema) -> bool:
    return schema.get("type") == "object" and "properties" in schema


def _diff_component(name: str, old: Schema, new: Schema, out: list[str]) -> None:
    """Compare one Struct field by field, or any other component (enums) as a whole."""
    if not (_is_object(old) and _is_object(new)):
        _diff_schema(name, old, new, out)
        return
    old_props, new_props = old["properties"], new["properties"]
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for field, old_field in old_props.items():
        where = f"{name}.{field}"
        if field not in new_props:
            out.append(f"{where}: field removed")
            continue
        if field in new_req and field not in old_req:
            out.append(f"{where}: optional field became required")
        _diff_schema(where, old_field, new_props[field], out)
    for field in new_props.keys() - old_props.keys():
        if field in new_req:
            out.append(f"{name}.{field}: required field added")


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every change in ``new`` that a client built against ``old`` could trip over (sorted)."""
    out: list[str] = []
    old_components, new_components = old["components"], new["components"]
    for name, old_schema in old_components.items():
        if name not in new_components:
            out.append(f"{name}: component removed")
        else:
            _diff_component(name, old_schema, new_components[name], out)
    return sorted(out)
