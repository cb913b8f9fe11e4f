"""A τ²-bench domain, read from the installed `tau2` package or from a data folder and checked before use.

A domain folder holds `tasks.json`, `policy.md` and `db.json` (telecom and banking_knowledge: their own files,
`tau2_telecom`, `tau2_banking`); its name (the folder's name) chooses τ²'s tool code (`tau2.domains.<name>`, or the
port of banking_knowledge).
Every problem is one `Tau2ImportError` line naming the file and, for a task, its id.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

from sparring.importers import tau2_banking, tau2_mock_user, tau2_telecom
from sparring.importers.tau2_cow import cow_copy
from sparring.importers.tau2_history import check_history
from sparring.importers.tau2_tools import TOOLKITS, database_model, toolkit_class

SUPPORTED = tuple(TOOLKITS)
DOMAIN_FILES = ("tasks.json", "policy.md", "db.json")
NOT_YET: dict[str, str] = {}
"""τ² domains known and not imported yet, with why and what works instead."""


def _not_yet(name: str, where: str) -> None:
    if name in NOT_YET:
        raise Tau2ImportError(f"{where}: τ² domain {name!r} is not supported yet: {NOT_YET[name]}")


def domain_files(name: str) -> tuple[str, ...]:
    """The files a folder of domain `name` holds (a banking_knowledge folder holds `tau2_banking.FOLDERS` too)."""
    if name == tau2_banking.NAME:
        return tau2_banking.FILES
    return tau2_telecom.FILES if name == tau2_telecom.NAME else DOMAIN_FILES


class Tau2ImportError(ValueError):
    """A τ² source that cannot be imported; the message is one line naming the file (and task id)."""


@dataclass(eq=False)
class Tau2Domain:
    """A checked τ² domain: its name, data folder, policy text, tasks (τ² `Task` models) and its tools'
    kinds (τ²'s read, write, think, generic), and the customer's own tools (τ²'s user tools: telecom's,
    banking_knowledge's, and mock's where its folder holds the customer's inbox; none elsewhere).
    Compared by identity (it keys per-process caches)."""

    name: str
    folder: Path
    policy: str
    tasks: list[Any]
    tool_types: dict[str, str] = field(default_factory=dict)
    user_tool_names: list[str] = field(default_factory=list)

    @property
    def tool_names(self) -> list[str]:
        """The domain's tools (the agent's), sorted."""
        return sorted(self.tool_types)

    @property
    def db_file(self) -> Path:
        """The domain's database file."""
        return self.folder / (tau2_telecom.DB_FILE if self.name == tau2_telecom.NAME else "db.json")

    def fresh_environment(self) -> Any:
        """A τ² `Environment` of this domain on a copy-on-write copy of its pristine database (`tau2_cow`); telecom's
        has the customer's device too, and mock's the customer's inbox where its folder has one (`tau2_mock_user`)."""
        from tau2.environment.environment import Environment

        shared = tau2_banking.cow_copy if self.name == tau2_banking.NAME else cow_copy
        tools = _toolkit(self.name)(shared(self.pristine_db()))
        if self.name == tau2_telecom.NAME:
            return tau2_telecom.environment(self.folder, self.policy, tools)
        if self.name == tau2_banking.NAME:
            return tau2_banking.new_environment(self.policy, tools)
        if self.name == tau2_mock_user.NAME:
            return tau2_mock_user.environment(self.folder, self.policy, tools)
        return Environment(domain_name=self.name, policy=self.policy, tools=tools)

    def pristine_db(self) -> Any:
        """The domain's database as loaded once per process (read-only: environments get copy-on-write copies)."""
        return _pristine_db(self.name, str(self.db_file))

    def pristine_view(self) -> dict[str, Any]:
        """The pristine database as plain data, dumped once per process."""
        return _pristine_view(self.name, str(self.db_file))

    def pristine_digest(self) -> str:
        """τ²'s hash of the pristine database, computed once per process."""
        return _pristine_digest(self.name, str(self.db_file))


def require_tau2() -> None:
    """Fail in one line when the optional `tau2` package is missing; silence τ²'s log of every tool answer."""
    try:
        import_module("tau2")
    except ImportError as exc:
        raise Tau2ImportError('the τ² importer needs τ²-bench: pip install -e ".[tau2]"') from exc
    import_module("loguru").logger.disable("tau2")


@cache
def _toolkit(name: str) -> type:
    return toolkit_class(name)


@cache
def _pristine_db(name: str, db_file: str) -> Any:
    """The database loaded once per process."""
    try:
        return database_model(name).load(db_file)
    except ValueError as exc:  # pydantic's ValidationError and JSON errors are ValueErrors
        first = str(exc).strip().splitlines()
        raise Tau2ImportError(f"{db_file}: not a τ² {name} database: {' '.join(first[:3])}") from exc


@cache
def _pristine_view(name: str, db_file: str) -> dict[str, Any]:
    return dict(_pristine_db(name, db_file).model_dump(mode="json"))


@cache
def _pristine_digest(name: str, db_file: str) -> str:
    return str(_pristine_db(name, db_file).get_hash())


def installed_folder(name: str) -> Path:
    """The data folder of a domain shipped with the installed `tau2` package."""
    require_tau2()
    data_dir = import_module("tau2.utils.utils").DATA_DIR
    return Path(data_dir) / "tau2" / "domains" / name


def resolve_source(source: str) -> Path:
    """A domain name (from the installed package) or a path to a τ² domain data folder."""
    path = Path(source)
    if path.exists() or "/" in source or source.startswith("."):
        return path
    _not_yet(source, source)
    if source not in SUPPORTED:
        raise Tau2ImportError(f"unknown τ² domain {source!r}: give one of {', '.join(SUPPORTED)} or a data folder")
    folder = installed_folder(source)
    if source == tau2_banking.NAME and not folder.is_dir():
        raise Tau2ImportError(
            f"{folder}: the installed τ² package has no {source} data; give the folder "
            f"data/tau2/domains/{source} of τ²-bench v1.0 or newer"
        )
    return folder


def _check_folder(folder: Path) -> str:
    if not folder.is_dir():
        raise Tau2ImportError(f"{folder}: no such folder (a τ² domain folder holds {', '.join(DOMAIN_FILES)})")
    _not_yet(folder.name, str(folder))
    files = domain_files(folder.name)
    missing = [name for name in files if not (folder / name).is_file()]
    if folder.name == tau2_banking.NAME:
        missing += [f"{name}/" for name in tau2_banking.FOLDERS if not (folder / name).is_dir()]
    if missing:
        raise Tau2ImportError(
            f"{folder}: not a τ² domain folder: {', '.join(missing)} missing (it holds {', '.join(files)})"
        )
    if folder.name not in SUPPORTED:
        raise Tau2ImportError(
            f"{folder}: τ² domain {folder.name!r} is not supported (the folder's name must be one of "
            f"{', '.join(SUPPORTED)})"
        )
    return folder.name


def _read_json(file: Path) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise Tau2ImportError(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    except UnicodeDecodeError as exc:
        raise Tau2ImportError(f"{file}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc


def _read_tasks(file: Path) -> list[dict[str, Any]]:
    data = _read_json(file)
    if not isinstance(data, list) or not data:
        raise Tau2ImportError(f"{file}: expected a non-empty list of τ² tasks")
    return data


def _task_sources(folder: Path, name: str) -> list[tuple[Path, Any]]:
    """(file, raw task) of every task: `tasks.json`'s, or banking_knowledge's one file per task (as τ² reads it)."""
    if name != tau2_banking.NAME:
        file = folder / "tasks.json"
        return [(file, raw) for raw in _read_tasks(file)]
    files = tau2_banking.task_files(folder)
    if not files:
        raise Tau2ImportError(f"{folder / 'tasks'}: no task_*.json file (τ²'s banking_knowledge tasks)")
    return [(file, _read_json(file)) for file in files]


def _task_id(raw: Any, index: int) -> str:
    return str(raw.get("id")) if isinstance(raw, dict) and "id" in raw else f"#{index}"


def _parse_task(file: Path, raw: Any, index: int, domain: Tau2Domain) -> Any:
    from pydantic import ValidationError
    from tau2.data_model.tasks import Task

    where = f"{file}: task {_task_id(raw, index)!r}"
    model: Any = tau2_banking.task_model() if domain.name == tau2_banking.NAME else Task
    try:
        task = model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise Tau2ImportError(f"{where}: {'.'.join(map(str, error['loc']))}: {error['msg']}") from exc
    try:
        check_history(task, domain.tool_names, domain.user_tool_names)
    except ValueError as exc:
        raise Tau2ImportError(f"{where}: {exc}") from exc
    _check_user_side(task, domain, where)
    for action in (task.evaluation_criteria.actions or []) if task.evaluation_criteria else []:
        tools = domain.tool_names if action.requestor == "assistant" else domain.user_tool_names
        if action.name not in tools:
            whose = "customer's " if action.requestor == "user" else ""
            raise Tau2ImportError(
                f"{where}: action {action.action_id!r} calls {action.name!r} ({action.requestor}), a tool the "
                f"{domain.name} domain lacks (its {whose}tools: {', '.join(tools) or 'none'})"
            )
    return task


def _policy(folder: Path, name: str) -> str:
    if name == tau2_telecom.NAME:
        return tau2_telecom.policy(folder)
    if name == tau2_banking.NAME:
        return tau2_banking.policy(folder)
    return (folder / "policy.md").read_text("utf-8")


def _check_user_side(task: Any, domain: Tau2Domain, where: str) -> None:
    """A task that sets up or asserts on the customer's own state needs the domain's user tools (v1.0.x mock's
    notifications in a mock folder without the customer's inbox, `user_db.json`)."""
    state, criteria = task.initial_state, task.evaluation_criteria
    calls = [
        *((state.initialization_actions or []) if state else []),
        *((criteria.env_assertions or []) if criteria else []),
    ]
    user_side = [call.func_name for call in calls if call.env_type == "user"]
    if user_side and not domain.user_tool_names:
        raise Tau2ImportError(
            f"{where}: {user_side[0]!r} acts on the customer's own state, and the installed τ² package's "
            f"{domain.name} domain has no customer tools{_hint(domain)}"
        )


def _hint(domain: Tau2Domain) -> str:
    if domain.name == tau2_mock_user.NAME:
        return f" (its folder lacks the customer's inbox, {tau2_mock_user.USER_DB_FILE}, of τ²-bench v1.0.x)"
    return " (a newer τ²-bench release's; not ported)"


def load_domain(source: str | Path) -> Tau2Domain:
    """Read and check a τ² domain: by name from the installed package, or from a data folder."""
    require_tau2()
    folder = resolve_source(str(source))
    name = _check_folder(folder)
    policy = _policy(folder, name)
    domain = Tau2Domain(name, folder, policy, [])
    try:
        environment = domain.fresh_environment()
    except Tau2ImportError:
        raise
    except ValueError as exc:  # a damaged customer device database (telecom)
        raise Tau2ImportError(str(exc)) from exc
    toolkit = environment.tools
    domain.tool_types = {name: str(toolkit.tool_type(name).value) for name in toolkit.get_tools()}
    domain.user_tool_names = sorted(environment.user_tools.get_tools()) if environment.user_tools else []
    sources = _task_sources(folder, name)
    domain.tasks = [_parse_task(file, raw, index, domain) for index, (file, raw) in enumerate(sources)]
    duplicates = sorted(task_id for task_id, count in Counter(task.id for task in domain.tasks).items() if count > 1)
    if duplicates:
        where = sources[0][0] if name != tau2_banking.NAME else folder / "tasks"
        raise Tau2ImportError(f"{where}: task {duplicates[0]!r}: duplicate task id")
    return domain
