"""τ²'s `Environment` for banking_knowledge, where the agent's and the customer's tools share one database.

τ² 26.3's `set_state` replaces the agent's database with a new one (`update_db`) and leaves the customer's tools on
the old one; v1.0.x points both at the same database after each update (src/tau2/environment/environment.py, MIT
licence, Copyright (c) 2025 Sierra Research), which this port does. A task's message history is refused by the
importer, so replaying one is left to τ²'s own code.
"""

from __future__ import annotations

from typing import Any

from tau2.environment.environment import Environment


class BankingEnvironment(Environment):
    """26.3's `Environment` with v1.0.x's database sync after a task's initialization data."""

    def set_state(self, initialization_data: Any, initialization_actions: Any, message_history: list[Any]) -> None:
        """Apply the task's initial data to the shared database as v1.0.x does, then τ²'s own actions and history."""
        if initialization_data is not None:
            if initialization_data.agent_data is not None:
                self.tools.update_db(initialization_data.agent_data)
                self.user_tools.db = self.tools.db
            if initialization_data.user_data is not None:
                self.user_tools.update_db(initialization_data.user_data)
                self.tools.db = self.user_tools.db
        super().set_state(None, initialization_actions, message_history)
