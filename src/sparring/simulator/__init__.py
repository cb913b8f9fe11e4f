"""The customer side of a conversation: the `Customer` protocol and its implementations — the LLM simulator
(with its escalation policy), a scripted customer and a replayed one."""

from sparring.simulator.customer import Customer, CustomerStep
from sparring.simulator.escalation import Action, EscalationPolicy
from sparring.simulator.scripted import ReplayedCustomer, ScriptedCustomer
from sparring.simulator.simulator import CustomerSimulator

__all__ = [
    "Action",
    "Customer",
    "CustomerSimulator",
    "CustomerStep",
    "EscalationPolicy",
    "ReplayedCustomer",
    "ScriptedCustomer",
]
