"""Chatbots under test: the reference agent, an HTTP endpoint, or the user's Python code."""

from sparring.agents.base import Agent
from sparring.agents.context import (
    CaseState,
    CaseStateContext,
    ContextStrategy,
    RawContext,
    build_case_state,
    load_context_strategy,
    render_case_state,
)
from sparring.agents.python_agent import AgentLoadError, AgentTools, PythonAgent, PythonBot, load_python_agent
from sparring.agents.tool_loop import ToolLoopAgent, reference_system_prompt

__all__ = [
    "Agent",
    "AgentLoadError",
    "CaseState",
    "CaseStateContext",
    "ContextStrategy",
    "RawContext",
    "build_case_state",
    "load_context_strategy",
    "render_case_state",
    "AgentTools",
    "PythonAgent",
    "PythonBot",
    "ToolLoopAgent",
    "load_python_agent",
    "reference_system_prompt",
]
