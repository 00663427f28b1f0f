"""Reading a rules file: one TOML reader and one ``RulesError`` for every rules file.

Every problem is one line, ``<file>: <key path>: <what is wrong>``, e.g.
``rules/routing.toml: rule[0].when.hours: hours must look like "17:00-08:00"``.
A key path is dotted with list indexes in brackets (counted from 0); a problem
that belongs to no key says ``(top level)`` and a TOML syntax error names the
line instead. One ``RulesError`` may hold several problems, one per line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["RulesError", "key_path", "keyed", "problem", "raise_if_any", "read_toml", "validate"]

M = TypeVar("M", bound=BaseModel)


class RulesError(ValueError):
    """A rules file that cannot be used; each line names the file, the key and the problem."""

    @property
    def problems(self) -> list[str]:
        return str(self).splitlines()


def problem(path: Path, key: str, what: str) -> str:
    """One problem line: ``<file>: <key path>: <what is wrong>``."""
    return f"{path}: {key or '(top level)'}: {what}"


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; a missing, unreadable or malformed file is a RulesError."""
    if not path.is_file():
        raise RulesError(f"{path}: required file is missing")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"line {m.group(1)}" if m else "end of file"
        raise RulesError(f"{path}: {where}: TOML syntax error: {exc}") from None
    except UnicodeDecodeError as exc:
        raise RulesError(f"{path}: byte {exc.start}: not UTF-8; save the file as UTF-8") from None
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror}") from None


def key_path(*parts: str | int) -> str:
    """``("rule", 0, "when", "hours")`` -> ``rule[0].when.hours``."""
    out: list[str] = []
    for p in parts:
        if isinstance(p, int):
            out[-1:] = [f"{out[-1]}[{p}]" if out else f"[{p}]"]
        else:
            out.append(p)
    return ".".join(out) or "(top level)"


def _explain(exc: ValidationError, path: Path, prefix: tuple[str | int, ...]) -> RulesError:
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        line = problem(path, key_path(*prefix, *err["loc"]), msg)
        if line not in lines:
            lines.append(line)
    return RulesError("\n".join(lines))


def validate(
    model: type[M], data: Mapping[str, Any], path: Path, prefix: tuple[str | int, ...] = ()
) -> M:
    """``model`` from ``data`` read from ``path``; every validation error becomes a line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, path, prefix) from None


def keyed(model: type[M], tables: Mapping[str, Any], path: Path, section: str) -> dict[str, M]:
    """``[section.KEY]`` tables as models whose ``key`` is the table name."""
    out: dict[str, M] = {}
    problems: list[str] = []
    for key, table in tables.items():
        if not isinstance(table, dict):
            problems.append(problem(path, f"{section}.{key}", "must be a table"))
        elif "key" in table:
            problems.append(
                problem(path, f"{section}.{key}.key", "the key is the table name; remove it")
            )
        else:
            try:
                out[key] = validate(model, {"key": key, **table}, path, (section, key))
            except RulesError as exc:
                problems.extend(exc.problems)
    if problems:
        raise RulesError("\n".join(problems))
    return out


def raise_if_any(problems: Iterable[str]) -> None:
    """Raise the problems found, if any, as one RulesError."""
    found = list(problems)
    if found:
        raise RulesError("\n".join(found))
