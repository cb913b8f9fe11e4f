"""YAML loading that remembers the line of every value, so errors can point at file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sparring.data_model import unstorable_character
from sparring.input_limits import MAX_DEPTH, MAX_YAML_NODES
from sparring.suite.validation_words import describe, worth_telling

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (8x faster on a thousand scenario files); its nodes carry the
same line marks as the pure-Python one's."""


class SuiteError(ValueError):
    """One clear message naming the file, the line (when known), the field and what is wrong.

    Several problems found at once are one error whose text has one line per problem (`problems`);
    `file`, `line` and `field` are the first one's. An unknown key's line is enough, so its field is not
    printed (`file:line: unknown key 'x' (did you mean 'y'?)`) but is kept in `field`."""

    def __init__(
        self, file: Path | str, message: str, line: int | None = None, field: str | None = None, show_field: bool = True
    ) -> None:
        self.file, self.line, self.field = str(file), line, field
        where = f"{self.file}:{line}" if line else self.file
        self.problems = [f"{where}: {field + ': ' if field and show_field else ''}{message}"]
        super().__init__(self.problems[0])

    @staticmethod
    def several(errors: list[SuiteError]) -> SuiteError:
        """One error listing `errors` one per line (at most MAX_LISTED, then how many more)."""
        combined = errors[0]
        lines = [p for e in errors for p in e.problems]
        shown = lines[:MAX_LISTED] + ([f"... and {len(lines) - MAX_LISTED} more"] if len(lines) > MAX_LISTED else [])
        combined.problems = lines
        combined.args = ("\n".join(shown),)
        return combined


MAX_LISTED = 20


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _check_size(root: yaml.Node, file: Path) -> None:
    """For a document with anchors: a SuiteError when, its aliases expanded, it nests deeper than MAX_DEPTH, holds
    more than MAX_YAML_NODES values, or holds itself (an alias inside its own anchor). Each node is visited once
    (its expanded size and depth are kept), so an alias bomb costs what is written, not what it expands to."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = (not isinstance(node, yaml.ScalarNode)) + max((depth[id(c)] for c in children), default=0)
            open_nodes.discard(key)
            line = node.start_mark.line + 1
            if depth[key] > MAX_DEPTH:
                raise SuiteError(file, f"nested deeper than {MAX_DEPTH} levels (the limit)", line)
            if size[key] > MAX_YAML_NODES:
                raise SuiteError(file, f"more than {MAX_YAML_NODES:,} values once its aliases are expanded", line)
        elif key in open_nodes:
            raise SuiteError(
                file, "an alias inside its own anchor: the value would hold itself", node.start_mark.line + 1
            )
        elif key not in size:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def _walk(root: yaml.Node, file: Path) -> tuple[dict[Path_, int], list[tuple[Path_, int]]]:
    """The line of every key and item, and every key given twice in one mapping (YAML would silently keep the
    last one); a SuiteError for a mapping or list nested deeper than MAX_DEPTH. A node written once and repeated
    by aliases is walked once: a problem inside a repetition is told at the line of the key that holds it (or of
    its anchor)."""
    lines: dict[Path_, int] = {}
    duplicates: list[tuple[Path_, int]] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(path) >= MAX_DEPTH and not isinstance(node, yaml.ScalarNode):  # the path holds one step per level
            raise SuiteError(file, f"nested deeper than {MAX_DEPTH} levels (the limit)", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (*path, key.value) in lines:
                    duplicates.append(((*path, key.value), key.start_mark.line + 1))
                lines[(*path, key.value)] = key.start_mark.line + 1
                stack.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return lines, duplicates


def read_text(file: Path) -> str:
    """A suite file's text; a SuiteError naming the file when it cannot be read, and the line of the first bad byte
    when it is not UTF-8."""
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SuiteError(file, f"cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise SuiteError(file, f"not UTF-8 text ({exc.reason})", line) from exc


def field_name(path: Path_) -> str:
    """('scenarios', 0, 'persona') -> 'scenarios[0].persona'."""
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")


class YamlDocument:
    """A YAML file's data and the line of every key and item in it."""

    def __init__(self, file: Path) -> None:
        self.file = file
        text = read_text(file)
        try:
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
                if node is not None and "&" in text:  # no anchor, no alias: what is written is all there is
                    _check_size(node, file)
                self.data: Any = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise SuiteError(file, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None) from exc
        self.lines: dict[Path_, int] = {}
        duplicates: list[tuple[Path_, int]] = []
        if node is not None:
            self.lines, duplicates = _walk(node, file)
        if duplicates:
            raise SuiteError.several(
                [
                    SuiteError(file, f"key {p[-1]!r} given twice in one mapping", line, field_name(p))
                    for p, line in duplicates
                ]
            )

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: Path_, message: str, show_field: bool = True) -> SuiteError:
        """A SuiteError at the line of `path` in this file, naming the field."""
        return SuiteError(self.file, message, self.line_of(path), field_name(path) or None, show_field)

    def unstorable(self, path: Path_, name: str) -> SuiteError | None:
        """A SuiteError at `path` when `name`, which the store keeps (a suite name, a scenario or evaluation id),
        holds a character no database can store (NUL, a lone surrogate): refused at load, not by the store mid-run."""
        problem = unstorable_character(name)
        return self.error(path, f"{name!r} contains {problem}, which no store can hold") if problem else None

    def validation_error(
        self, exc: ValidationError, prefix: Path_ = (), model: type[BaseModel] | None = None
    ) -> SuiteError:
        """Every problem pydantic found, in words, each at its line in this file. With `model` (the class
        validated), an unknown key is told with the allowed key closest to it."""
        errors = []
        for details in worth_telling(exc.errors()):
            loc, message = describe(details, model)
            unknown = details["type"] == "extra_forbidden"
            errors.append(self.error((*prefix, *loc), message, show_field=not unknown))
        return SuiteError.several(errors)

    def validate(self, model: type[M], data: Any, prefix: Path_ = ()) -> M:
        """`model` validated from `data` (the object at `prefix` in this file), or a SuiteError in words."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self.validation_error(exc, prefix, model) from exc
