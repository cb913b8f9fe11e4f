"""YAML loading that remembers the line of every value, so errors can point at file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Path_ = tuple[str | int, ...]


class SuiteError(ValueError):
    """One clear message naming the file, the line (when known), the field and what is wrong."""

    def __init__(self, file: Path | str, message: str, line: int | None = None, field: str | None = None) -> None:
        self.file, self.line, self.field = str(file), line, field
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            _walk(value, (*path, key.value), lines)
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


class YamlDocument:
    def __init__(self, file: Path) -> None:
        self.file = file
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SuiteError(file, f"cannot read: {exc.strerror}") from exc
        try:
            loader = yaml.SafeLoader(text)
            try:
                node = loader.get_single_node()
                self.data: Any = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise SuiteError(file, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from exc
        self.lines: dict[Path_, int] = {}
        if node is not None:
            _walk(node, (), self.lines)

    def line_of(self, path: Path_) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: Path_, message: str) -> SuiteError:
        field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        return SuiteError(self.file, message, line=self.line_of(path), field=field or None)

    def validation_error(self, exc: ValidationError, prefix: Path_ = ()) -> SuiteError:
        """The first problem pydantic found, placed at its line in this file."""
        first = exc.errors()[0]
        loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        extra = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        return self.error((*prefix, *loc), message + extra)
