"""τ²'s `mock` domain with the customer's own notification inbox of τ²-bench v1.0.x: a mock folder holding
`user_db.json` (the customer's inbox) gives its environment τ²'s `MockUserTools` over a fresh copy of it, as τ²'s
`get_environment` does; a folder without it (the installed τ² package's) has no customer tools.

The installed package's `MockUserTools` is used when it has one; otherwise the user tools and their data model are
ported verbatim from τ²-bench v1.0.x (`src/tau2/domains/mock/user_tools.py` and `user_data_model.py`, MIT licence,
Copyright (c) 2025 Sierra Research): `check_notifications` (READ), `dismiss_notification(notification_id)` (WRITE),
and the helpers tasks call in `initialization_actions` (`add_notification`) and `env_assertions`
(`assert_notification_status`); only the layout follows Sparring's style (`Optional[str]` is `str | None`).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

NAME = "mock"
USER_DB_FILE = "user_db.json"


@cache
def user_toolkit() -> tuple[Any, Any]:
    """(the user toolkit class, its database model): the installed τ² package's, else the port of v1.0.x's."""
    try:
        from tau2.domains.mock.user_data_model import MockUserDB
        from tau2.domains.mock.user_tools import MockUserTools
    except ImportError:
        return _ported()
    return MockUserTools, MockUserDB


def _ported() -> tuple[Any, Any]:
    from typing import Literal

    from pydantic import Field
    from tau2.environment.db import DB
    from tau2.environment.toolkit import ToolKitBase, ToolType, is_tool
    from tau2.utils.pydantic_utils import BaseModelNoExtra

    NotificationStatus = Literal["unread", "read"]

    class Notification(BaseModelNoExtra):
        """A notification in the user's inbox."""

        notification_id: str = Field(description="Unique identifier for the notification")
        message: str = Field(description="The notification message")
        status: NotificationStatus = Field(default="unread", description="Whether the notification has been read")
        task_id: str | None = Field(None, description="Associated task ID, if applicable")

    class MockUserDB(DB):
        """Simple user database with a notification inbox."""

        notifications: dict[str, Notification] = Field(
            default_factory=dict,
            description="Dictionary of notifications indexed by notification ID",
        )

    class MockUserTools(ToolKitBase):
        """User-side tools for the mock domain.

        Simulates a notification inbox where the user can check and manage
        notifications about their tasks.
        """

        db: MockUserDB

        def __init__(self, db: MockUserDB) -> None:
            super().__init__(db)

        @is_tool(ToolType.READ)
        def check_notifications(self) -> list[Notification]:
            """Check all notifications in the user's inbox.

            Returns:
                A list of all notifications.
            """
            return list(self.db.notifications.values())

        @is_tool(ToolType.WRITE)
        def dismiss_notification(self, notification_id: str) -> str:
            """Dismiss (mark as read) a notification.

            Args:
                notification_id: The ID of the notification to dismiss.

            Returns:
                A confirmation message.

            Raises:
                ValueError: If the notification is not found.
            """
            if notification_id not in self.db.notifications:
                raise ValueError(f"Notification {notification_id} not found")
            self.db.notifications[notification_id].status = "read"
            return f"Notification {notification_id} dismissed"

        # --- Non-tool helpers (for initialization_actions / env_assertions) ---

        def add_notification(self, notification_id: str, message: str, task_id: str | None = None) -> Notification:
            """Add a notification to the user's inbox (used by initialization_actions)."""
            notification = Notification(notification_id=notification_id, message=message, task_id=task_id)
            self.db.notifications[notification_id] = notification
            return notification

        def assert_notification_status(self, notification_id: str, expected_status: str) -> bool:
            """Check if a notification has the expected status (used by env_assertions)."""
            if notification_id not in self.db.notifications:
                raise ValueError(f"Notification {notification_id} not found")
            return self.db.notifications[notification_id].status == expected_status

    return MockUserTools, MockUserDB


@cache
def _pristine_user_db(user_db_file: str) -> Any:
    try:
        return user_toolkit()[1].load(user_db_file)
    except ValueError as exc:  # pydantic's ValidationError and JSON errors are ValueErrors
        first = " ".join(str(exc).strip().splitlines()[:3])
        raise ValueError(f"{user_db_file}: not a τ² mock customer database: {first}") from exc


def environment(folder: Path, policy_text: str, tools: Any) -> Any:
    """τ²'s mock `Environment` over the agent's `tools`; the customer's inbox a fresh copy of `user_db.json` where
    the folder has one."""
    from tau2.environment.environment import Environment

    user_db = folder / USER_DB_FILE
    if not user_db.is_file():
        return Environment(domain_name=NAME, policy=policy_text, tools=tools)
    inbox = copy.deepcopy(_pristine_user_db(str(user_db)))
    return Environment(domain_name=NAME, policy=policy_text, tools=tools, user_tools=user_toolkit()[0](inbox))
