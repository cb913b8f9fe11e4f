"""The customer side of a conversation: the `Customer` protocol and its implementations — the LLM simulator
(with its escalation policy), a scripted customer and a replayed one — and the customer's own tools
(`CustomerTools`, dual control)."""

from sparring.simulator.customer import Customer, CustomerStep
from sparring.simulator.customer_tools import CustomerTools, customer_tools_of
from sparring.simulator.escalation import DIRECTIVES, Action, EscalationPolicy
from sparring.simulator.scripted import ReplayedCustomer, ScriptedCustomer
from sparring.simulator.simulator import SCAFFOLD_GREETING, CustomerSimulator

__all__ = [
    "Action",
    "Customer",
    "CustomerSimulator",
    "CustomerStep",
    "CustomerTools",
    "DIRECTIVES",
    "EscalationPolicy",
    "ReplayedCustomer",
    "SCAFFOLD_GREETING",
    "ScriptedCustomer",
    "customer_tools_of",
]
