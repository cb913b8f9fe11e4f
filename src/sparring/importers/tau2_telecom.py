"""τ²'s telecom domain: the customer acts on their own phone (τ²'s dual control). Its folder differs from the other
domains': the database is `db.toml`, the customer's device is `user_db.toml`, and the policy is τ²'s main policy
and its tech-support manual, composed as τ²'s `get_environment` composes them. The environment is τ²'s own
`TelecomEnvironment`, whose `user_tools` become the customer's tools of the imported suite.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

NAME = "telecom"
FILES = ("tasks.json", "main_policy.md", "tech_support_manual.md", "db.toml", "user_db.toml")
DB_FILE = "db.toml"


def policy(folder: Path) -> str:
    """The agent's policy as τ² builds it for telecom (main policy, then the manual tech-support policy)."""
    main = (folder / "main_policy.md").read_text(encoding="utf-8")
    manual = (folder / "tech_support_manual.md").read_text(encoding="utf-8")
    return f"<main_policy>\n{main}\n</main_policy>\n<tech_support_policy>\n{manual}\n</tech_support_policy>"


@cache
def _pristine_user_db(user_db_file: str) -> Any:
    from tau2.domains.telecom.user_data_model import TelecomUserDB

    try:
        return TelecomUserDB.load(user_db_file)
    except ValueError as exc:  # pydantic's ValidationError and TOML errors are ValueErrors
        first = " ".join(str(exc).strip().splitlines()[:3])
        raise ValueError(f"{user_db_file}: not a τ² telecom device database: {first}") from exc


def environment(folder: Path, policy_text: str, tools: Any) -> Any:
    """τ²'s `TelecomEnvironment` over the agent's `tools`, the customer's device a fresh copy of `user_db.toml`."""
    from tau2.domains.telecom.environment import TelecomEnvironment
    from tau2.domains.telecom.user_tools import TelecomUserTools

    device = copy.deepcopy(_pristine_user_db(str(folder / "user_db.toml")))
    return TelecomEnvironment(domain_name=NAME, policy=policy_text, tools=tools, user_tools=TelecomUserTools(device))


def as_collections(view: dict[str, Any]) -> dict[str, Any]:
    """A τ² database view as Sparring's state (collection → id → record): telecom keeps its records in lists, each
    keyed here by its records' own id field (`plan_id`, `line_id`, ...), or by position when they have none."""
    if not any(isinstance(value, list) for value in view.values()):
        return view
    return {name: _keyed(value) if isinstance(value, list) else value for name, value in view.items()}


def _keyed(records: list[Any]) -> dict[str, Any]:
    first = records[0] if records and isinstance(records[0], dict) else {}
    field = next((key for key in first if key.endswith("_id")), None)
    ids = [record.get(field) if isinstance(record, dict) and field else None for record in records]
    if field is None or None in ids or len(set(map(str, ids))) < len(ids):
        return {str(index): record for index, record in enumerate(records)}
    return {str(key): record for key, record in zip(ids, records, strict=True)}
