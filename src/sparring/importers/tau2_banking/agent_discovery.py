"""τ²'s banking_knowledge agent tools that give, unlock, call and list discoverable tools.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code
and docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows).
"""

import inspect
import json
from typing import Any

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool
from sparring.importers.tau2_banking.discoverable import (
    DISCOVERABLE_ATTR,
    MUTATES_STATE_ATTR,
    DiscoverableToolKit,
    ToolType,
    format_discoverable_tool_for_agent,
    is_tool,
    parse_discoverable_tool_docstring,
)
from sparring.importers.tau2_banking.user_tools import KnowledgeUserTools
from sparring.importers.tau2_banking.utils import (
    generate_agent_discoverable_tool_id,
    generate_user_discoverable_tool_id,
    get_now,
)


class DiscoveryTools(DiscoverableToolKit):
    """Giving the customer a discoverable tool; unlocking, calling and listing the agent's own."""

    db: TransactionalDB
    _user_discoverable_tools_state: dict[str, dict[str, Any]]
    _agent_discoverable_tools_state: dict[str, dict[str, Any]]
    _read_log_allowlist: set[str]

    @is_tool(ToolType.GENERIC, mutates_state=True)
    def give_discoverable_user_tool(self, discoverable_tool_name: str, arguments: str = "{}") -> str:
        """Pass a tool to the user so they can execute it themselves.

        Use this when the knowledge base indicates that the user should perform
        an action themselves (e.g., "to do X, have the user call tool_name(args)").

        The user will then be able to call `call_discoverable_tool` with the same
        tool name and arguments to simulate executing the action.

        Args:
            discoverable_tool_name: The name of the discoverable tool (e.g., "open_webpage", "navigate_to_section")
            arguments: JSON string of arguments for the tool (e.g., '{"url": "https://example.com"}')

        Returns:
            A confirmation message with instructions for the user
        """
        # Check if the tool exists as a user discoverable method on KnowledgeUserTools
        if not hasattr(KnowledgeUserTools, discoverable_tool_name):
            return f"Error: Unknown discoverable tool '{discoverable_tool_name}'."

        method = getattr(KnowledgeUserTools, discoverable_tool_name)
        if not getattr(method, DISCOVERABLE_ATTR, False):
            return f"Error: Unknown discoverable tool '{discoverable_tool_name}'."

        # Parse arguments
        try:
            args_dict = json.loads(arguments)
        except json.JSONDecodeError as e:
            return f"Error: Invalid JSON in arguments: {e}"

        # Validate arguments against method signature (don't require all - user fills in)
        sig = inspect.signature(method)
        for arg_name in args_dict:
            if arg_name not in sig.parameters and arg_name != "self":
                return f"Error: Unexpected parameter: {arg_name}"

        # Parse the docstring for description
        tool_info = parse_discoverable_tool_docstring(method)

        # Store the user discoverable tool state
        self._user_discoverable_tools_state[discoverable_tool_name] = {
            "arguments": args_dict,
            "given_at": get_now().isoformat(),
            "tool_info": tool_info,
        }

        # Store in the database for persistence and evaluation
        discoverable_tool_record = {
            "tool_name": discoverable_tool_name,
            "status": "GIVEN",
        }

        record_id = generate_user_discoverable_tool_id(discoverable_tool_name)
        add_to_db("user_discoverable_tools", record_id, discoverable_tool_record, db=self.db)

        # Format instructions for the user
        args_str = json.dumps(args_dict, indent=2) if args_dict else "(no arguments)"
        return (
            f"Tool given to user: {discoverable_tool_name}\n"
            f"Description: {tool_info['description']}\n"
            f"Arguments: {args_str}\n\n"
            f"The user can now execute this action by calling `call_discoverable_user_tool` "
            f"with discoverable_tool_name='{discoverable_tool_name}' and the same arguments."
        )

    @is_tool(ToolType.GENERIC, mutates_state=True)
    def unlock_discoverable_agent_tool(self, agent_tool_name: str) -> str:
        """Unlock an agent discoverable tool that was found in the knowledge base.

        Use this when the knowledge base indicates that you have access to a specialized
        internal tool. The knowledge base will tell you the tool name to unlock.

        After unlocking, you can use the tool by calling `call_discoverable_agent_tool` with
        the tool name and required arguments.

        Args:
            agent_tool_name: The name of the agent discoverable tool to unlock
                            (e.g., "calculate_apr_adjustment_7842")

        Returns:
            A confirmation message with the tool's description and parameters
        """
        # Check if the tool exists as a discoverable method on this class
        if not self.has_discoverable_tool(agent_tool_name):
            return f"Error: Unknown agent tool '{agent_tool_name}'. This tool is not available."

        # Get the method and parse its docstring for tool info
        method = self.get_discoverable_tools()[agent_tool_name]
        tool_info = parse_discoverable_tool_docstring(method)

        # Store the agent discoverable tool state (in-memory only, DB write happens on call)
        self._agent_discoverable_tools_state[agent_tool_name] = {
            "unlocked_at": get_now().isoformat(),
            "tool_info": tool_info,
        }

        # Format tool info for the agent (same format as before)
        formatted_tool = format_discoverable_tool_for_agent(tool_info)
        return (
            f"Tool unlocked: {agent_tool_name}\n"
            f"Description: {tool_info['description']}\n\n"
            f"{formatted_tool}\n\n"
            f"You can now use this tool by calling `call_discoverable_agent_tool` with "
            f"agent_tool_name='{agent_tool_name}' and the required arguments."
        )

    @is_tool(ToolType.WRITE)
    def call_discoverable_agent_tool(self, agent_tool_name: str, arguments: str = "{}") -> str:
        """Call an agent discoverable tool that you have previously unlocked.

        Use this after unlocking a tool with `unlock_discoverable_agent_tool`. The knowledge base
        will tell you which tool to use and what arguments to provide.

        Args:
            agent_tool_name: The name of the agent discoverable tool to call
            arguments: JSON string of arguments for the tool (e.g., '{"user_id": "abc123"}')

        Returns:
            The result of executing the agent tool
        """
        # Check if the tool exists as a discoverable method on this class
        if not self.has_discoverable_tool(agent_tool_name):
            return f"Error: Unknown agent tool '{agent_tool_name}'. This tool is not available."

        # Check if the tool was unlocked (in-memory state)
        if agent_tool_name not in self._agent_discoverable_tools_state:
            return (
                f"Error: Tool '{agent_tool_name}' has not been unlocked. "
                f"You must first use `unlock_discoverable_agent_tool` to unlock this tool before calling it."
            )

        # Parse arguments. JSON does not distinguish ints from floats (33 and 33.0
        # are the same JSON number), so normalize all numbers to float. Otherwise
        # deterministic IDs and DB-state hashes would depend on how the caller
        # happened to spell the number.
        try:
            args_dict = json.loads(arguments, parse_int=float)
        except json.JSONDecodeError as e:
            return f"Error: Invalid JSON in arguments: {e}"

        # Get the method and call it directly with the parsed arguments
        method = self.get_discoverable_tools()[agent_tool_name]
        try:
            result = method(**args_dict)
        except TypeError as e:
            return f"Error: Invalid arguments: {e}"

        # Record the call in the database for evaluation. Only state-mutating
        # underlying tools, plus read tools explicitly required by the task's
        # golden trajectory (the allowlist), are logged. Extra read-only
        # validation calls (e.g. precondition checks the agent did out of
        # caution) are intentionally skipped so they don't break the DB-hash
        # comparison in EnvironmentEvaluator.
        underlying_mutates = getattr(method, MUTATES_STATE_ATTR, False)
        if underlying_mutates or agent_tool_name in self._read_log_allowlist:
            agent_tool_record = {"tool_name": agent_tool_name, "status": "CALLED"}
            record_id = generate_agent_discoverable_tool_id(agent_tool_name)
            add_to_db("agent_discoverable_tools", record_id, agent_tool_record, db=self.db)

        return result

    @is_tool(ToolType.READ)
    def list_discoverable_agent_tools(self) -> str:
        """List all agent discoverable tools that you have called.

        Use this to see what specialized tools you have used.

        Returns:
            A list of tools that you have called
        """
        result = query_database_tool("agent_discoverable_tools", "{}", db=self.db)

        if "No results found" in result:
            return "No agent tools have been called yet. Search the knowledge base to discover available tools."

        return f"Your called agent tools:\n{result}"

    # =========================================================================
