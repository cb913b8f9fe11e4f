"""Sparring: test a customer-support chatbot offline against simulated customers, with binary evaluations.

The public API. Data flows: scenarios → conversations → verdicts → reports. Its names are listed once, in
the `TYPE_CHECKING` block below; each is imported from its home module on first use
(`sparring.exports.lazy_exports`), so `import sparring` and the `sparring` command start fast. Every name in
`__all__` is importable as `from sparring import NAME`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.exports import lazy_exports

if TYPE_CHECKING:  # the public names, listed once (imported from these home modules on first use)
    from sparring.agents import AgentTools as AgentTools
    from sparring.agents import ToolLoopAgent as ToolLoopAgent
    from sparring.analysis import EvaluationSummary as EvaluationSummary
    from sparring.analysis import summarize as summarize
    from sparring.backend import Backend as Backend
    from sparring.backend import BackendState as BackendState
    from sparring.backend import ToolError as ToolError
    from sparring.backend import tool as tool
    from sparring.data_model import AgentTurn as AgentTurn
    from sparring.data_model import Conversation as Conversation
    from sparring.data_model import CustomerAnalysis as CustomerAnalysis
    from sparring.data_model import CustomerTurn as CustomerTurn
    from sparring.data_model import EndReason as EndReason
    from sparring.data_model import Fact as Fact
    from sparring.data_model import Message as Message
    from sparring.data_model import Outcome as Outcome
    from sparring.data_model import Persona as Persona
    from sparring.data_model import Run as Run
    from sparring.data_model import Scenario as Scenario
    from sparring.data_model import ToolCall as ToolCall
    from sparring.data_model import ToolCallRecord as ToolCallRecord
    from sparring.data_model import Verdict as Verdict
    from sparring.evaluations import CheckContext as CheckContext
    from sparring.evaluations import CheckResult as CheckResult
    from sparring.evaluations import check as check
    from sparring.evaluations import failed as failed
    from sparring.evaluations import not_applicable as not_applicable
    from sparring.evaluations import passed as passed
    from sparring.models import ChatModel as ChatModel
    from sparring.models import ChatRequest as ChatRequest
    from sparring.models import ChatResponse as ChatResponse
    from sparring.models import ModelPool as ModelPool
    from sparring.models import ScriptedModel as ScriptedModel
    from sparring.models import create_model as create_model
    from sparring.runner import RoleOverrides as RoleOverrides
    from sparring.runner import RunOptions as RunOptions
    from sparring.runner import RunResult as RunResult
    from sparring.runner import run_suite as run_suite
    from sparring.store import Store as Store
    from sparring.suite import Suite as Suite
    from sparring.suite import SuiteError as SuiteError
    from sparring.suite import load_suite as load_suite

__version__ = "0.1.0"

__all__, __getattr__, __dir__ = lazy_exports(__name__, __file__)
