"""Load a suite folder and check everything before any work starts: config, policy, snapshot,
tools, checks and every scenario's backend overrides."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sparring.backend import (
    BackendDataError,
    BackendFactory,
    DualBackendFactory,
    Snapshot,
    SnapshotBackendFactory,
    SqliteBackendFactory,
    Tool,
    check_references,
    collect_tools,
    missing_fact_ids,
    resolve_time,
)
from sparring.data_model import Scenario, ToolSpec
from sparring.evaluations import CheckFunction, EvaluationSpec, Evaluator, SuiteFacts, build_evaluations
from sparring.input_limits import json_value
from sparring.suite.backend_tools import (
    CheckedFactory,
    Factory,
    check_tool_lists,
    factory_crash,
    knowledge_factory,
    tool_specs,
)
from sparring.suite.config import AgentConfig, SuiteConfig
from sparring.suite.evaluations import Catalog, discover, enable
from sparring.suite.expected_actions import expected_action_problems
from sparring.suite.history import HistoryBackendFactory, opening_problems
from sparring.suite.validation_words import unknown_key
from sparring.suite.yaml_lines import SuiteError, YamlDocument, read_text

SUITE_FILE = "suite.yaml"
_RELATIVE_TIME = re.compile(rb'"(now[^"\\]*)"')  # a JSON string value that may be a relative time


@dataclass
class Suite:
    """A loaded, checked suite: its config, policy, backend snapshot and tools, evaluations and scenarios."""

    root: Path
    config: SuiteConfig
    policy: str
    snapshot: dict[str, Any]
    tools: dict[str, Tool]
    catalog: Catalog
    scenarios: list[Scenario]
    evaluations: list[EvaluationSpec] = field(default_factory=list)
    backend: BackendFactory | None = None

    def backend_factory(self) -> BackendFactory:
        """What builds each conversation's backend: the suite's own, or snapshot ⊕ overrides with its tools
        (the snapshot shared read-only by every conversation); when a scenario's opening gives tool calls, each
        backend is made with them already on it (`HistoryBackendFactory`)."""
        if self.backend is None:
            self.backend = SnapshotBackendFactory(Snapshot(self.snapshot, self.config.backend.references), self.tools)
        given = any(scenario.given_tool_calls() for scenario in self.scenarios)
        if given and not isinstance(self.backend, HistoryBackendFactory):
            self.backend = HistoryBackendFactory(self.backend)
        return self.backend

    @property
    def checks(self) -> dict[str, CheckFunction]:
        """Check functions by evaluation id (built-in and the suite's own)."""
        return self.catalog.checks

    def evaluator(self, specs: list[EvaluationSpec] | None = None) -> Evaluator:
        """An evaluator for the suite's enabled evaluations (or `specs`), with the suite's facts."""
        backend = self.config.backend
        facts = SuiteFacts(self.policy, self.tools, backend.action_tools, backend.handoff_tools, self.backend_factory())
        chosen = self.evaluations if specs is None else specs
        evaluations = build_evaluations(chosen, self.checks, facts, self.config.simulation.judge_retries)
        return Evaluator(evaluations, self.uncut_tools)

    @property
    def uncut_tools(self) -> frozenset[str]:
        """Tools whose answers judges read whole: the knowledge-base search (claims are checked on its documents)."""
        return frozenset([self.config.knowledge.tool] if self.config.knowledge else [])

    @property
    def name(self) -> str:
        """The suite's name from suite.yaml."""
        return self.config.name


def _read_text(root: Path, relative: str, owner: YamlDocument, path: tuple[str | int, ...]) -> str:
    file = root / relative
    if not file.is_file():
        raise owner.error(path, f"file not found: {file}")
    return read_text(file)


def _load_module(file: Path, kind: str) -> ModuleType:
    name = f"sparring_suite_{hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:10]}_{kind}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise SuiteError(file, f"cannot load {kind} module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise SuiteError(file, f"error while importing {kind}: {exc!r}") from exc
    return module


def _load_snapshot(file: Path, owner: YamlDocument, clock: datetime) -> tuple[dict[str, Any], str]:
    """The snapshot's collections and the sha256 of its file. Every record must be an object, and every relative
    time in it (`now-35m`, found in the file's text: no walk of the records) must resolve at `clock`."""
    if not file.is_file():
        raise owner.error(("backend", "snapshot"), f"file not found: {file}")
    raw = file.read_bytes()
    try:
        data = json_value(raw)
    except json.JSONDecodeError as exc:
        raise SuiteError(file, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from exc
    except ValueError as exc:  # not UTF-8, or nested too deep
        raise SuiteError(file, str(exc)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise SuiteError(file, "the snapshot must be an object of collections, each an object of records by id")
    for collection, records in data.items():
        record_id = next((i for i, r in records.items() if not isinstance(r, dict)), None)
        if record_id is not None:
            raise SuiteError(file, "must be a record (an object of fields)", field=f"{collection}.{record_id}")
    for text in sorted(set(_RELATIVE_TIME.findall(raw))):
        try:
            resolve_time(text.decode("utf-8", "replace"), clock)
        except ValueError as exc:
            raise SuiteError(file, str(exc)) from exc
    return data, hashlib.sha256(raw).hexdigest()


def _scenario_files(root: Path, target: str, owner: YamlDocument) -> list[Path]:
    location = root / target
    if location.is_file():
        return [location]
    if location.is_dir():
        files = sorted([*location.glob("*.yaml"), *location.glob("*.yml")])
        if files:
            return files
    raise owner.error(("scenarios",), f"no scenario YAML files at {location}")


ScenarioEntry = tuple[Scenario, YamlDocument, tuple[str | int, ...]]


def _scenario_items(doc: YamlDocument) -> list[tuple[Any, tuple[str | int, ...]]]:
    """The scenario objects in a file and their paths: one mapping, a list, or a mapping with only a
    `scenarios:` list."""
    data: Any = doc.data
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, dict) and "scenarios" in data:
        extra = [key for key in data if key != "scenarios"]
        if extra:
            raise doc.error((extra[0],), unknown_key(str(extra[0]), ["scenarios"]), show_field=False)
        data, prefix = data["scenarios"], ("scenarios",)
    if isinstance(data, dict):
        return [(data, prefix)]
    if data is not None and not isinstance(data, list):
        raise doc.error(prefix, "expected a scenario (a mapping) or a list of scenarios")
    return [(d, (*prefix, i)) for i, d in enumerate(data or [])]


def load_scenarios(file: Path) -> list[ScenarioEntry]:
    """A scenario file holds one scenario, a list of them, or a mapping with a `scenarios:` list. Every
    problem in the file is reported at once, one line each."""
    doc = YamlDocument(file)
    items = _scenario_items(doc)
    if not items:
        raise SuiteError(file, "no scenarios in this file")
    loaded: list[ScenarioEntry] = []
    errors: list[SuiteError] = []
    for item, path in items:
        try:
            if not isinstance(item, dict):
                raise doc.error(path, "a scenario must be a mapping")
            loaded.append((doc.validate(Scenario, item, path), doc, path))
        except SuiteError as exc:
            errors.append(exc)
    if errors:
        raise SuiteError.several(errors)
    return loaded


def read_scenario_files(files: list[Path]) -> tuple[list[ScenarioEntry], list[SuiteError]]:
    """The scenarios of every file, and the problems of every file (a bad file does not hide the next)."""
    entries: list[ScenarioEntry] = []
    errors: list[SuiteError] = []
    for file in files:
        try:
            entries.extend(load_scenarios(file))
        except SuiteError as exc:
            errors.append(exc)
    return entries, errors


def _scenario_problems(
    root: Path, entry: ScenarioEntry, factory: Factory, config: SuiteConfig, clock: datetime
) -> list[SuiteError]:
    """A scenario's backend overrides must fit the snapshot and references, and every known fact that
    names an id (`backend.fact_ids`) must name a record of the resulting state (checked on a view: no copy).
    One `clock` for every scenario: the snapshot's relative times are resolved once, not once per scenario."""
    scenario, doc, path = entry
    try:
        state = factory.initial_view(scenario, clock)
    except BackendDataError as exc:
        field_path = (*path, "backend_overrides", *exc.path.split("."))
        return [doc.error(field_path, str(exc).split(": ", 1)[1])]
    except Exception as exc:
        if isinstance(factory, SnapshotBackendFactory | SqliteBackendFactory):
            raise  # Sparring's own backends: a crash is a bug of Sparring's, shown as one
        raise factory_crash(root, config, f"initial_view(scenario {scenario.id!r})", exc) from exc
    return [
        doc.error((*path, "known_facts", index, "value"), problem)
        for index, problem in missing_fact_ids(scenario.known_facts, state, config.backend.fact_ids)
    ] + _customer_problems(entry, factory, clock)


def _customer_problems(entry: ScenarioEntry, factory: Factory, clock: datetime) -> list[SuiteError]:
    """A scenario's customer_overrides need a suite customer_state, and must fit it."""
    scenario, doc, path = entry
    if not scenario.customer_overrides:
        return []
    if not isinstance(factory, DualBackendFactory):
        return [doc.error((*path, "customer_overrides"), "needs backend.customer_state in suite.yaml")]
    try:
        factory.customer_view(scenario, clock)
    except BackendDataError as exc:
        return [doc.error((*path, "customer_overrides", *exc.path.split(".")), str(exc).split(": ", 1)[1])]
    return []


def _load_all_scenarios(
    root: Path, config: SuiteConfig, doc: YamlDocument, factory: Factory, specs: list[ToolSpec]
) -> list[Scenario]:
    """Every scenario of the suite, checked against its backend and tools; all problems reported together."""
    entries, errors = read_scenario_files(_scenario_files(root, config.scenarios, doc))
    ids: dict[str, Path] = {}
    clock = config.simulation.clock or datetime.now(UTC)
    for entry in entries:
        scenario, scenario_doc, spath = entry
        if scenario.id in ids:
            message = f"duplicate scenario id {scenario.id!r} (also in {ids[scenario.id]})"
            errors.append(scenario_doc.error((*spath, "id"), message))
        ids.setdefault(scenario.id, scenario_doc.file)
        unstorable_id = scenario_doc.unstorable((*spath, "id"), scenario.id)
        if unstorable_id:
            errors.append(unstorable_id)
        errors.extend(_scenario_problems(root, entry, factory, config, clock))
        errors.extend(expected_action_problems(scenario, scenario_doc, spath, specs))
        errors.extend(opening_problems(scenario, scenario_doc, spath, factory, specs, clock))
    if errors:
        raise SuiteError.several(errors)
    return [scenario for scenario, _doc, _path in entries]


def _check_fact_ids(config: SuiteConfig, collections: Iterable[str], doc: YamlDocument) -> None:
    known_collections = list(collections)
    for key, collection in config.backend.fact_ids.items():
        if collection not in known_collections:
            known = ", ".join(known_collections) or "none: the suite has no snapshot"
            raise doc.error(("backend", "fact_ids", key), f"no collection {collection!r} in the snapshot ({known})")


def _sqlite_factory(root: Path, config: SuiteConfig, doc: YamlDocument, tools: dict[str, Tool]) -> SqliteBackendFactory:
    """The backend of a `kind: sqlite` suite: its database file, which must be a SQLite database."""
    database = root / str(config.backend.database)
    if not database.is_file():
        raise doc.error(("backend", "database"), f"file not found: {database}")
    try:
        return SqliteBackendFactory(database, tools)
    except sqlite3.DatabaseError as exc:
        raise doc.error(("backend", "database"), f"not a SQLite database: {database} ({exc})") from exc


def _python_factory(root: Path, config: SuiteConfig, doc: YamlDocument) -> CheckedFactory:
    """The backend of a `kind: python` suite: a BackendFactory named FILE.py:NAME in the suite's folder; it must
    also show a scenario's starting state (`initial_view`) so scenarios are checked at load."""
    relative, _, name = str(config.backend.factory).rpartition(":")
    file = root / relative
    if not file.is_file():
        raise doc.error(("backend", "factory"), f"file not found: {file}")
    factory = getattr(_load_module(file, "backend"), name, None)
    if not callable(factory) or not callable(getattr(factory, "initial_view", None)):
        raise doc.error(
            ("backend", "factory"), f"no BackendFactory {name!r} with an initial_view(scenario, clock) in {file}"
        )
    return factory


def _split_tools(
    config: SuiteConfig, doc: YamlDocument, tools: dict[str, Tool], where: str
) -> tuple[dict[str, Tool], dict[str, Tool]]:
    """(the agent's tools, the customer's own): `customer_tools` names @tool functions of tools.py."""
    names = config.backend.customer_tools
    for index, name in enumerate(names):
        if name not in tools:
            raise doc.error(("backend", "customer_tools", index), f"no tool named {name!r} in {where}")
    return {n: t for n, t in tools.items() if n not in names}, {n: tools[n] for n in names}


def _with_customer_side(
    root: Path, config: SuiteConfig, doc: YamlDocument, factory: Factory, customer_tools: dict[str, Tool]
) -> Factory:
    """The backend factory with the customer's state and tools beside the agent's (`DualBackendFactory`)."""
    state_file = root / str(config.backend.customer_state)
    if not state_file.is_file():
        raise doc.error(("backend", "customer_state"), f"file not found: {state_file}")
    state, digest = _load_snapshot(state_file, doc, config.simulation.clock or datetime.now(UTC))
    return DualBackendFactory(factory, Snapshot(state, {}, digest), customer_tools)


def load_suite(path: str | Path) -> Suite:
    """Load and check a suite folder (or its suite.yaml): every problem is a SuiteError naming file and line."""
    root = Path(path)
    if root.is_file():
        root = root.parent
    config_file = root / SUITE_FILE
    if not config_file.is_file():
        raise SuiteError(config_file, "no suite.yaml here: a suite is a folder with a suite.yaml")
    doc = YamlDocument(config_file)
    if not isinstance(doc.data, dict):
        raise SuiteError(config_file, "the suite must be a YAML mapping")
    config = doc.validate(SuiteConfig, doc.data)
    unstorable_name = doc.unstorable(("name",), config.name)
    if unstorable_name:
        raise unstorable_name

    policy = _read_text(root, config.policy, doc, ("policy",))
    snapshot: dict[str, Any] = {}
    digest = ""
    if config.backend.snapshot:
        snapshot_file = root / config.backend.snapshot
        snapshot, digest = _load_snapshot(snapshot_file, doc, config.simulation.clock or datetime.now(UTC))
        try:
            check_references(snapshot, config.backend.references)
        except BackendDataError as exc:
            raise SuiteError(snapshot_file, str(exc), field=exc.path) from exc

    # A chatbot without tools is fine: tools.py is used when present, and must exist when named.
    tools: dict[str, Tool] = {}
    tools_file = root / (config.backend.tools or "tools.py")
    if config.backend.tools and not tools_file.is_file():
        raise doc.error(("backend", "tools"), f"file not found: {tools_file}")
    if tools_file.is_file():
        tools = collect_tools(vars(_load_module(tools_file, "tools")))
        if config.backend.tools and not tools:
            raise SuiteError(tools_file, "no @tool functions found")
    catalog = discover(root, _load_module)
    evaluations = enable(config.evaluations, catalog, root, doc, config.simulation.judge_samples)
    seen = {e.id for e in evaluations}

    families = {e.family for e in evaluations}
    for index, gate in enumerate(config.gates):
        if gate.evaluation and gate.evaluation not in seen:
            raise doc.error(("gates", index, "evaluation"), f"no evaluation {gate.evaluation!r} in this suite")
        if gate.family and gate.family not in families:
            raise doc.error(("gates", index, "family"), f"no evaluation of family {gate.family!r} in this suite")

    tools, customer_tools = _split_tools(config, doc, tools, tools_file.name)
    factory: Factory = SnapshotBackendFactory(Snapshot(snapshot, config.backend.references, digest), tools)
    if config.backend.kind == "sqlite":
        factory = _sqlite_factory(root, config, doc, tools)
    elif config.backend.kind == "python":
        factory = _python_factory(root, config, doc)
    _check_fact_ids(config, factory.base if isinstance(factory, SqliteBackendFactory) else snapshot, doc)
    if customer_tools:
        factory = _with_customer_side(root, config, doc, factory, customer_tools)
    specs = tool_specs(root, factory, config, tools)
    own = callable(getattr(factory, "specs", None))  # a python factory lists its own tools
    check_tool_lists(config, doc, {s.name for s in specs}, "the backend's tools" if own else tools_file.name)
    if config.knowledge is not None:
        factory = knowledge_factory(root, config.knowledge, doc, factory, specs)
        specs = factory.specs()
    scenarios = _load_all_scenarios(root, config, doc, factory, specs)
    return Suite(root, config, policy, snapshot, tools, catalog, scenarios, evaluations, factory)


def load_agent_config(path: str | Path) -> AgentConfig:
    """An agent variant kept in its own YAML file (the `agent:` section of a suite), for --agent-config."""
    doc = YamlDocument(Path(path))
    return doc.validate(AgentConfig, doc.data or {})
