"""τ²'s discoverable tools on the installed τ² (26.3), whose toolkit predates them.

A discoverable tool exists and can be called, but is not in the tool list a model is offered: the agent finds its
name in the knowledge base, unlocks it and calls it through `call_discoverable_agent_tool` (the customer's through
`call_discoverable_user_tool`). `is_tool` and `is_discoverable_tool` (with `mutates_state`) and the toolkit methods
that tell them apart are ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/environment/toolkit.py`), the docstring parser and formatter from
`src/tau2/domains/banking_knowledge/tools.py`; MIT licence, Copyright (c) 2025 Sierra Research, unchanged.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from tau2.environment.tool import Tool, as_tool
from tau2.environment.toolkit import TOOL_ATTR, TOOL_TYPE_ATTR, ToolKitBase, ToolType

__all__ = ["DISCOVERABLE_ATTR", "MUTATES_STATE_ATTR", "DiscoverableToolKit", "ToolType", "is_discoverable_tool"]

MUTATES_STATE_ATTR = "__mutates_state__"
DISCOVERABLE_ATTR = "__discoverable__"


def is_tool(tool_type: ToolType = ToolType.READ, mutates_state: bool | None = None) -> Callable[[Any], Any]:
    """Decorator to mark a function as a tool.

    Args:
        tool_type: Conceptual classification (READ, WRITE, THINK, GENERIC).
        mutates_state: Whether this tool mutates environment / DB state.
            When ``None`` (the default) the value is **inferred** from
            *tool_type*: ``True`` for WRITE, ``False`` otherwise.
    """
    if mutates_state is None:
        mutates_state = tool_type == ToolType.WRITE

    def decorator(func: Any) -> Any:
        setattr(func, TOOL_ATTR, True)
        setattr(func, TOOL_TYPE_ATTR, tool_type)
        setattr(func, MUTATES_STATE_ATTR, mutates_state)
        return func

    return decorator


def is_discoverable_tool(
    tool_type: ToolType = ToolType.READ, mutates_state: bool | None = None
) -> Callable[[Any], Any]:
    """Decorator to mark a function as a discoverable tool.

    Discoverable tools are tools that exist and can be called, but are not
    included in the agent's system prompt by default. The agent must discover
    these tools through the knowledge base and unlock them before calling.
    """
    if mutates_state is None:
        mutates_state = tool_type == ToolType.WRITE

    def decorator(func: Any) -> Any:
        setattr(func, TOOL_ATTR, True)
        setattr(func, TOOL_TYPE_ATTR, tool_type)
        setattr(func, MUTATES_STATE_ATTR, mutates_state)
        setattr(func, DISCOVERABLE_ATTR, True)
        return func

    return decorator


class DiscoverableToolKit(ToolKitBase):
    """τ² 26.3's `ToolKitBase` with v1.0.x's handling of discoverable tools: `get_tools` leaves them out."""

    def get_tools(self, include: list[str] | None = None) -> dict[str, Tool]:
        """Get the non-discoverable tools available in the ToolKit.

        Discoverable tools are excluded — they should not appear in the
        agent's system prompt. Use `get_discoverable_tools()` to access them.

        Args:
            include: If provided, only return tools whose names are in this list.
                If None, return all non-discoverable tools (no filtering).
        """
        tools = {
            name: as_tool(tool) for name, tool in self.tools.items() if not getattr(tool, DISCOVERABLE_ATTR, False)
        }
        if include is not None:
            allowed = set(include)
            unknown = allowed - set(tools.keys())
            if unknown:
                available = sorted(tools.keys())
                raise ValueError(f"Tool(s) not found: {sorted(unknown)}. Available: {available}")
            tools = {name: tool for name, tool in tools.items() if name in allowed}
        return tools

    def is_discoverable(self, tool_name: str) -> bool:
        """Check if a tool is a discoverable tool."""
        if tool_name not in self.tools:
            return False
        return bool(getattr(self.tools[tool_name], DISCOVERABLE_ATTR, False))

    def get_discoverable_tools(self) -> dict[str, Callable[..., Any]]:
        """Get all discoverable tool methods on this toolkit."""
        return {name: tool for name, tool in self.tools.items() if getattr(tool, DISCOVERABLE_ATTR, False)}

    def has_discoverable_tool(self, tool_name: str) -> bool:
        """Check if a discoverable tool exists."""
        return tool_name in self.get_discoverable_tools()

    def tool_mutates_state(self, tool_name: str) -> bool:
        """Check whether a tool mutates environment state (``True`` when the attribute is missing)."""
        return bool(getattr(self.tools[tool_name], MUTATES_STATE_ATTR, True))


def one_class(cls: type) -> type:
    """Class decorator: the methods `cls` takes from its mixins (this port's split of τ²'s one toolkit class) are
    named as `cls`'s own, so Python's error texts, which τ² returns to the model ("Error: Invalid arguments:
    KnowledgeTools.file_...() missing 1 required positional argument"), read as τ²'s do."""
    for mixin in cls.__mro__[1:]:
        if mixin.__module__.startswith(__package__ or "") and mixin is not DiscoverableToolKit:
            for name, value in vars(mixin).items():
                if inspect.isfunction(value):
                    value.__qualname__ = f"{cls.__name__}.{name}"
    return cls


def parse_discoverable_tool_docstring(func) -> dict[str, Any]:
    """Parse a discoverable tool's docstring into description and parameters.

    Expected docstring format:
    ```
    Short description of the tool.

    Args:
        param_name (type): Description of the parameter
        another_param (type, optional): Optional parameter description

    Returns:
        Description of return value (used as success_message hint)
    ```

    Args:
        func: The decorated function to parse

    Returns:
        Dictionary with 'description', 'parameters', and optionally 'success_message'
    """
    docstring = inspect.getdoc(func) or ""

    # Split into sections
    parts = re.split(r"\n\s*Args:\s*\n", docstring, maxsplit=1)
    description = parts[0].strip()

    parameters = {}
    success_message = "Action completed successfully."

    if len(parts) > 1:
        remaining = parts[1]

        # Check if there's a Returns section
        returns_split = re.split(r"\n\s*Returns:\s*\n", remaining, maxsplit=1)
        args_section = returns_split[0]

        if len(returns_split) > 1:
            # Use the Returns section as success message hint
            returns_text = returns_split[1].strip()
            # Take first line/paragraph as success message
            success_message = returns_text.split("\n")[0].strip()

        # Parse each arg line: "param_name (type): description" or "param_name (type, optional): description"
        # Also handle simple format: "param_name: description"
        arg_pattern = re.compile(
            r"^\s*(\w+)\s*"  # param name
            r"(?:\(([^)]+)\))?\s*"  # optional (type) or (type, optional)
            r":\s*(.+?)$",  # description
            re.MULTILINE,
        )

        for match in arg_pattern.finditer(args_section):
            param_name = match.group(1)
            type_info = match.group(2) or "string"
            param_desc = match.group(3).strip()

            # Check if optional
            is_optional = "optional" in type_info.lower()
            # Extract just the type (remove 'optional' if present)
            param_type = re.sub(r",?\s*optional", "", type_info, flags=re.IGNORECASE).strip()
            if not param_type:
                param_type = "string"

            parameters[param_name] = {
                "type": param_type,
                "description": param_desc,
                "required": not is_optional,
            }

    return {
        "name": func.__name__,
        "description": description,
        "parameters": parameters,
        "success_message": success_message,
    }


def format_discoverable_tool_for_agent(tool_info: dict[str, Any]) -> str:
    """Format a discoverable tool's info for display to the agent.

    Produces output matching the original AgentDiscoverableToolDefinition.format_for_agent().

    Args:
        tool_info: Dictionary from parse_discoverable_tool_docstring()

    Returns:
        Formatted string for agent display
    """
    param_strs = []
    for param_name, param_def in tool_info.get("parameters", {}).items():
        required = param_def.get("required", True)
        param_type = param_def.get("type", "string")
        desc = param_def.get("description", "")
        req_str = " (required)" if required else " (optional)"
        param_strs.append(f"  - {param_name}: {param_type}{req_str} - {desc}")

    params_section = "\n".join(param_strs) if param_strs else "  (no parameters)"

    return f"Tool: {tool_info['name']}\nDescription: {tool_info['description']}\nParameters:\n{params_section}"
