"""Chatbots under test: the reference agent, an HTTP endpoint, or the user's Python code."""

from sparring.agents.base import Agent, agent_history
from sparring.agents.python_agent import AgentLoadError, AgentTools, PythonAgent, load_python_agent
from sparring.agents.tool_loop import ToolLoopAgent, reference_system_prompt

__all__ = [
    "Agent",
    "AgentLoadError",
    "AgentTools",
    "PythonAgent",
    "ToolLoopAgent",
    "agent_history",
    "load_python_agent",
    "reference_system_prompt",
]
