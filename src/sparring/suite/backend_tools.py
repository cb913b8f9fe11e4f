"""The tools a suite's backend offers and the checks on them at load: the backend factory kinds the loader
checks scenarios against, a python factory's own tool list (its crashes as one line naming its file), the hand-off
and write tool lists, and the documents' retrieval tool (`knowledge:`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sparring.backend import (
    KnowledgeBackendFactory,
    KnowledgeBase,
    KnowledgeError,
    RetrievalTool,
    SnapshotBackendFactory,
    SqliteBackendFactory,
    Tool,
    document_files,
    read_documents,
)
from sparring.data_model import Scenario, ToolSpec
from sparring.suite.config import KnowledgeConfig, SuiteConfig
from sparring.suite.yaml_lines import SuiteError, YamlDocument


class CheckedFactory(Protocol):
    """A backend factory the loader can check scenarios against: it shows a scenario's starting state."""

    def __call__(self, scenario: Scenario, clock: datetime) -> Any: ...

    def initial_view(self, scenario: Scenario, clock: datetime) -> Any: ...


Factory = SnapshotBackendFactory | SqliteBackendFactory | CheckedFactory


def check_tool_lists(config: SuiteConfig, doc: YamlDocument, names: set[str], where: str) -> None:
    """Every tool the hand-off and write lists name is one of the backend's tools (tools.py, or the tools a
    python factory lists)."""
    for tool_list in ("handoff_tools", "action_tools"):
        for index, name in enumerate(getattr(config.backend, tool_list)):
            if name not in names:
                raise doc.error(("backend", tool_list, index), f"no tool named {name!r} in {where}")


def factory_crash(root: Path, config: SuiteConfig, call: str, exc: Exception) -> SuiteError:
    """A crash of a suite's own backend factory (kind python: the suite's code) at load: one line naming its file
    and the exception, instead of a traceback."""
    file, _, name = str(config.backend.factory).rpartition(":")
    return SuiteError(root / file, f"backend factory {name}: {call} raised {type(exc).__name__}: {exc}")


def tool_specs(root: Path, factory: Factory, config: SuiteConfig, tools: dict[str, Tool]) -> list[ToolSpec]:
    """The tools a model is offered: a python factory lists its own (`specs()`), any other backend has the suite's."""
    own_specs = getattr(factory, "specs", None)
    if not callable(own_specs):
        return [t.spec for t in tools.values()]
    try:
        return list(own_specs())
    except Exception as exc:  # the suite's code, see _scenario_problems
        raise factory_crash(root, config, "specs()", exc) from exc


def knowledge_factory(
    root: Path, knowledge: KnowledgeConfig, doc: YamlDocument, factory: Factory, specs: list[ToolSpec]
) -> KnowledgeBackendFactory:
    """The suite's backend with its documents' retrieval tool added (`knowledge:`)."""
    files = document_files(root, knowledge.documents)
    if not files:
        raise doc.error(("knowledge", "documents"), f"no .md, .txt or .json document matches {knowledge.documents!r}")
    if knowledge.tool in {spec.name for spec in specs}:
        raise doc.error(("knowledge", "tool"), f"the backend already has a tool named {knowledge.tool!r}")
    try:
        documents = read_documents(files)
    except KnowledgeError as exc:
        raise SuiteError(exc.file, exc.message, field=exc.field) from exc
    tool = RetrievalTool(KnowledgeBase(documents), knowledge.tool, knowledge.top_k)
    return KnowledgeBackendFactory(factory, tool, specs)
