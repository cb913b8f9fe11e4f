"""Which evaluations a suite can use (the built-in library plus its own files) and which it enables.

A suite's own evaluations are discovered, never registered by hand:
- judges in `evaluations/*.yaml` (one mapping or a list: id, description, criterion or prompt, ...);
- checks: `@check` functions in `checks.py` and `evaluations/*.py` (the function name is the id).
The suite's `evaluations:` list enables them by id, with optional overrides (`use: ID`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from sparring.evaluations import (
    CheckFunction,
    EvaluationSpec,
    TemplateProblem,
    builtin_checks,
    builtin_evaluations,
    check_info,
    check_judge_template,
    collect_checks,
)
from sparring.suite.config import EvaluationUse
from sparring.suite.yaml_lines import SuiteError, YamlDocument, read_text

EVALUATIONS_FOLDER = "evaluations"


class CustomJudge(EvaluationSpec):
    """A judge defined in a suite's evaluations/*.yaml file."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["judge", "check"] = "judge"
    prompt: str | None = Field(None, description="a prompt template file, relative to this YAML file")
    policy_file: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> CustomJudge:
        if not (self.criterion or self.prompt):
            raise ValueError("a judge needs a 'criterion' or a 'prompt' template file")
        return self


@dataclass
class Catalog:
    """Every evaluation a suite may enable, and the check functions behind the deterministic ones."""

    specs: dict[str, EvaluationSpec]
    checks: dict[str, CheckFunction]


def _read_policy(base: Path, relative: str, doc: YamlDocument, path: tuple[str | int, ...]) -> str:
    file = base / relative
    if not file.is_file():
        raise doc.error(path, f"file not found: {file}")
    return read_text(file)


def _judges_in(file: Path) -> list[EvaluationSpec]:
    doc = YamlDocument(file)
    data = doc.data
    if data is not None and not isinstance(data, dict | list):
        raise doc.error((), "expected a judge (a mapping) or a list of judges")
    items = [(data, ())] if isinstance(data, dict) else [(d, (i,)) for i, d in enumerate(data or [])]
    specs: list[EvaluationSpec] = []
    for item, where in items:
        if not isinstance(item, dict):
            raise doc.error(where, "an evaluation must be a mapping")
        judge = doc.validate(CustomJudge, item, where)
        if judge.kind != "judge":
            raise doc.error((*where, "kind"), "YAML evaluations are judges; write checks as @check functions")
        data_out = judge.model_dump(exclude={"prompt", "policy_file"}) | {"source": str(file)}
        if judge.prompt:
            template = file.parent / judge.prompt
            if not template.is_file():
                raise doc.error((*where, "prompt"), f"file not found: {template}")
            data_out["template"] = str(template)
        if judge.policy_file:
            data_out["policy"] = _read_policy(file.parent, judge.policy_file, doc, (*where, "policy_file"))
        spec = EvaluationSpec.model_validate(data_out)
        try:
            check_judge_template(spec)
        except TemplateProblem as exc:
            raise SuiteError(exc.file, exc.problem, line=exc.line) from exc
        except UnicodeDecodeError as exc:  # the template, or a file it extends or includes
            raise SuiteError(
                data_out.get("template", file), f"not UTF-8 text, or a file it includes ({exc.reason})"
            ) from exc
        specs.append(spec)
    return specs


def _checks_in(
    file: Path, load_module: Callable[[Path, str], ModuleType]
) -> list[tuple[EvaluationSpec, CheckFunction]]:
    found: list[tuple[EvaluationSpec, CheckFunction]] = []
    for name, function in collect_checks(vars(load_module(file, "checks"))).items():
        info = check_info(function)
        assert info is not None
        if not info.description:
            raise SuiteError(file, "a @check function needs a docstring or description=", field=name)
        try:
            spec = EvaluationSpec(
                id=name,
                kind="check",
                description=info.description,
                family=info.family,
                applies_to=list(info.applies_to),
                function=name,
                params=dict(info.params),
                source=str(file),
            )
        except ValidationError as exc:
            raise SuiteError(file, exc.errors()[0]["msg"], field=name) from exc
        found.append((spec, function))
    return found


def discover(root: Path, load_module: Callable[[Path, str], ModuleType]) -> Catalog:
    """The built-in library plus the suite's own evaluations; an id defined twice is an error."""
    catalog = Catalog(dict(builtin_evaluations()), dict(builtin_checks()))
    folder = root / EVALUATIONS_FOLDER
    yaml_files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    py_files = [f for f in [root / "checks.py", *sorted(folder.glob("*.py"))] if f.is_file()]

    def add(spec: EvaluationSpec, where: Path, function: CheckFunction | None = None) -> None:
        if spec.id in catalog.specs:
            other = catalog.specs[spec.id].source
            clash = "a built-in evaluation" if other == "builtin" else f"already defined in {other}"
            raise SuiteError(where, f"evaluation id {spec.id!r} is {clash}; choose another id", field=spec.id)
        catalog.specs[spec.id] = spec
        if function is not None:
            catalog.checks[spec.id] = function

    for file in yaml_files:
        for spec in _judges_in(file):
            add(spec, file)
    for file in py_files:
        for spec, function in _checks_in(file, load_module):
            add(spec, file, function)
    return catalog


def _unknown(evaluation_id: str, catalog: Catalog) -> str:
    close = difflib.get_close_matches(evaluation_id, list(catalog.specs), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `sparring evals list --suite SUITE` lists them"
    return f"no evaluation {evaluation_id!r} in the library or this suite{hint}"


def enable(
    uses: list[EvaluationUse], catalog: Catalog, root: Path, doc: YamlDocument, judge_samples: int
) -> list[EvaluationSpec]:
    """The suite's `evaluations:` list, resolved: each entry's spec with its overrides applied."""
    enabled: list[EvaluationSpec] = []
    seen: set[str] = set()
    for index, use in enumerate(uses):
        where: tuple[str | int, ...] = ("evaluations", index)
        if use.use not in catalog.specs:
            raise doc.error((*where, "use"), _unknown(use.use, catalog))
        if use.use in seen:
            raise doc.error((*where, "use"), f"evaluation {use.use!r} is enabled twice")
        seen.add(use.use)
        spec = catalog.specs[use.use]
        # Precedence: this entry, then the evaluation's own setting, then the suite's default.
        samples = use.judge_samples or (spec.judge_samples if spec.judge_samples > 1 else judge_samples)
        update: dict[str, Any] = {"judge_samples": samples}
        if use.policy_file:
            update["policy"] = _read_policy(root, use.policy_file, doc, (*where, "policy_file"))
        if use.applies_to is not None:
            update["applies_to"] = use.applies_to
        if use.params:
            unknown = set(use.params) - set(spec.params)
            if unknown:
                raise doc.error((*where, "params"), f"{spec.id} has no parameter(s) {', '.join(sorted(unknown))}")
            update["params"] = spec.params | use.params
        enabled.append(spec.model_copy(update=update))
    return enabled
