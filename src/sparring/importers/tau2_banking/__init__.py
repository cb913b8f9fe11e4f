"""τ²-bench's banking_knowledge domain, ported: a bank's support agent that finds its procedures, and the names of
its "discoverable" tools, in a knowledge base of 698 documents.

The installed τ² package (26.3) lacks this domain and the discoverable-tool machinery its toolkit needs, and τ²
v1.0.x needs Python 3.12, so its code is ported here (MIT licence, attribution at the top of each file):
`agent.py` (`KnowledgeTools`, its discoverable tools in mixins by theme, `tools_*.py`), `user_tools.py`
(`KnowledgeUserTools`, the customer's), `discoverable.py` (v1.0.x's `is_discoverable_tool` on 26.3's
`ToolKitBase`), the database (`data_model.py`, `db_query.py`, `db_tables.py`) and ids (`utils.py`).

A domain folder is τ²'s own `data/tau2/domains/banking_knowledge`: `db.json`, `tasks/task_*.json` (what τ²'s
`get_tasks` reads; its `tasks.json` differs on 13 tasks and is not read), `documents/` (the knowledge base, loaded
by the suite's `knowledge:` field and searched by Sparring's `KB_search`) and `prompts/`. The agent's policy is τ²'s
`bm25` retrieval variant (`classic_rag_bm25_no_grep.md`: `KB_search` over BM25 and no `grep`), the one whose tools
are exactly what Sparring offers. Conversations share one pristine database, copy-on-write (`cow.py`). Nothing here
imports τ² until a domain is used.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from sparring.importers.tau2_banking.cow import cow_copy, cow_view

__all__ = ["cow_copy", "cow_view"]

NAME = "banking_knowledge"
PROMPT = "prompts/classic_rag_bm25_no_grep.md"
COMPONENTS = "prompts/components"
FILES = ("db.json", PROMPT, f"{COMPONENTS}/policy_header.md", f"{COMPONENTS}/additional_instructions.md")
FOLDERS = ("tasks", "documents")
KB_TOOL = "KB_search"
TOP_K = 10  # τ²'s BM25 pipeline returns 10 documents


def policy(folder: Path) -> str:
    """The agent's policy as τ²'s `bm25` variant builds it: the template with each `{{component:NAME}}` replaced by
    `prompts/components/NAME.md` (τ²'s `load_prompt_template`)."""
    template = (folder / PROMPT).read_text(encoding="utf-8")
    return re.sub(
        r"\{\{component:(\w+)\}\}",
        lambda match: (folder / COMPONENTS / f"{match.group(1)}.md").read_text(encoding="utf-8"),
        template,
    )


def task_files(folder: Path) -> list[Path]:
    """The domain's task files in τ²'s order (`tasks/task_*.json`, sorted)."""
    return sorted((folder / "tasks").glob("task_*.json"))


@cache
def task_model() -> type:
    """τ²'s `Task` with the two fields v1.0.x added for this domain (26.3's `Task` drops them): `user_tools`, the
    customer's tools in this task (None: all), and `required_documents`."""
    from tau2.data_model.tasks import Task

    class BankingTask(Task):
        """A banking_knowledge task (τ² v1.0.x's fields)."""

        required_documents: list[str] | None = None
        user_tools: list[str] | None = None

    return BankingTask


def state_view(view: dict[str, Any]) -> dict[str, Any]:
    """The database as Sparring's state (table → record id → record): each table's `data`; its `notes`, a fixed
    description no tool writes, are left out."""
    return {name: table["data"] for name, table in view.items()}


def read_log_allowlist(task: Any) -> set[str]:
    """The read-only discoverable tools whose calls τ² logs in the database for this task: those its gold actions
    call (τ²'s `_derive_read_log_allowlist`, src/tau2/runner/build.py, v1.0.x, MIT licence)."""
    allowlist: set[str] = set()
    if task.evaluation_criteria is None:
        return allowlist
    for action in task.evaluation_criteria.actions or []:
        if action.name == "call_discoverable_agent_tool":
            name = (action.arguments or {}).get("agent_tool_name")
            if name:
                allowlist.add(name)
    return allowlist


def new_environment(policy_text: str, tools: Any) -> Any:
    """τ²'s environment of the domain: the agent's `tools` and the customer's `KnowledgeUserTools` on one database."""
    from sparring.importers.tau2_banking.environment import BankingEnvironment
    from sparring.importers.tau2_banking.user_tools import KnowledgeUserTools

    return BankingEnvironment(
        domain_name=NAME, policy=policy_text, tools=tools, user_tools=KnowledgeUserTools(tools.db)
    )
