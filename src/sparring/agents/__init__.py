"""Chatbots under test: the reference agent, an HTTP endpoint, the user's Python code, or a deployed bot on its own
chat API with its backend served to it."""

from sparring.agents.base import Agent
from sparring.agents.deployed import DeployedAgent, close_agent, deployed_bot, history_refusal
from sparring.agents.history import (
    CaseState,
    CaseStateContext,
    ContextStrategy,
    RawContext,
    build_case_state,
    load_context_strategy,
    render_case_state,
)
from sparring.agents.python_agent import AgentLoadError, AgentTools, PythonAgent, PythonBot, load_python_agent
from sparring.agents.tool_loop import REFERENCE_PROMPT, ToolLoopAgent, reference_system_prompt

__all__ = [
    "Agent",
    "AgentLoadError",
    "AgentTools",
    "CaseState",
    "CaseStateContext",
    "ContextStrategy",
    "DeployedAgent",
    "PythonAgent",
    "PythonBot",
    "REFERENCE_PROMPT",
    "RawContext",
    "ToolLoopAgent",
    "build_case_state",
    "close_agent",
    "deployed_bot",
    "history_refusal",
    "load_context_strategy",
    "load_python_agent",
    "reference_system_prompt",
    "render_case_state",
]
