"""The simulated customer."""

from sparring.simulator.escalation import Action, EscalationPolicy
from sparring.simulator.simulator import CustomerSimulator, SimulatorStep

__all__ = ["Action", "CustomerSimulator", "EscalationPolicy", "SimulatorStep"]
