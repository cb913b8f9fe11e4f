"""A suite folder: the domain (policy, backend, tools, scenarios, evaluations) under test."""

from sparring.suite.config import DEFAULT_MARGIN_POINTS, AgentConfig, GateConfig, Price, SuiteConfig
from sparring.suite.history import HistoryBackendFactory
from sparring.suite.loader import Suite, load_agent_config, load_scenarios, load_suite, read_scenario_files
from sparring.suite.yaml_lines import SuiteError

__all__ = [
    "AgentConfig",
    "DEFAULT_MARGIN_POINTS",
    "GateConfig",
    "HistoryBackendFactory",
    "Price",
    "Suite",
    "SuiteConfig",
    "SuiteError",
    "load_agent_config",
    "load_scenarios",
    "load_suite",
    "read_scenario_files",
]
