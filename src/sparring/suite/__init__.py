"""A suite folder: the domain (policy, backend, tools, scenarios, evaluations) under test."""

from sparring.suite.config import SuiteConfig
from sparring.suite.loader import Suite, load_agent_config, load_scenarios, load_suite
from sparring.suite.yaml_lines import SuiteError

__all__ = ["Suite", "SuiteConfig", "SuiteError", "load_agent_config", "load_scenarios", "load_suite"]
