"""Settings files, a convention both servers share: ``smenet.toml`` in the server's data folder,
each key checked against a dataclass field and overridable by a ``SMENET_<KEY>`` variable."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

__all__ = ["CONFIG_FILE", "read_config", "type_name", "typed_values", "write_config"]

CONFIG_FILE = "smenet.toml"


def read_config(path: Path, init_hint: str) -> dict[str, Any]:
    """The raw table of a settings file; a missing one names the command that writes it."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `{init_hint}` first")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def write_config(values: dict[str, Any], path: Path) -> Path:
    path.write_text(tomli_w.dumps(values), encoding="utf-8")
    path.chmod(0o600)  # holds the session-token secret
    return path


def typed_values(
    fields: list[dataclasses.Field[Any]],
    values: dict[str, Any],
    env_prefix: str,
    where: str,
    environ: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``values`` checked against the dataclass ``fields``, with ``<env_prefix><NAME>``
    environment overrides; an unknown key or a value of the wrong type is named."""
    env = os.environ if environ is None else environ
    types = {f.name: type_name(f.type) for f in fields}
    unknown = set(values) - set(types)
    if unknown:
        raise ValueError(f"{where}: unknown settings {', '.join(sorted(unknown))}")
    values = dict(values)
    for name, kind in types.items():
        variable = f"{env_prefix}{name.upper()}"
        if variable in env and kind in _KINDS:
            values[name] = _parse(variable, env[variable], kind)
        elif name in values and not _fits(values[name], kind):
            raise ValueError(f"{where}: {name} must be {_KINDS.get(kind, kind)}")
    return values


_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "list[str]": "a list of strings",
}


def type_name(annotation: object) -> str:
    # Annotations are strings under `from __future__ import annotations`, types otherwise.
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def _fits(value: object, kind: str) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "str":
        return isinstance(value, str)
    return isinstance(value, dict) if kind.startswith("dict") else True


def _parse(variable: str, raw: str, kind: str) -> object:
    if kind in ("int", "float"):
        try:
            return int(raw) if kind == "int" else float(raw)
        except ValueError:
            raise ValueError(f"{variable} must be {_KINDS[kind]}, got {raw!r}") from None
    if kind == "bool":
        if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{variable} must be true or false, got {raw!r}")
        return raw.lower() in ("true", "1", "yes")
    if kind == "list[str]":
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw
