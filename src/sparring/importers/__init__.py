"""Importers: suites made from other benchmarks' data.

Owns `sparring import tau2`: a τ²-bench domain (tasks, policy, database, tools) becomes a Sparring suite whose
scenarios are the domain's tasks, whose backend is τ²'s own environment (`Tau2Backend`), and whose `tau2_reward`
check computes τ²'s reward (DB state, actions, communicated information, multiplied over the task's reward basis).
τ² itself is an optional extra (`pip install -e .[tau2]`): nothing here imports it until a τ² domain is used.
τ²'s banking_knowledge domain, which the installed τ² lacks, is ported from τ²-bench v1.0.x in `tau2_banking`.

Layer: beside extraction; may import suite, backend, data_model and evaluations.
"""

from typing import TYPE_CHECKING

from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.importers.tau2_domain import Tau2ImportError as Tau2ImportError
    from sparring.importers.tau2_domain import load_domain as load_domain
    from sparring.importers.tau2_suite import write_suite as write_suite

__getattr__, __dir__ = lazy_attributes(__name__, __file__)

__all__ = ["Tau2ImportError", "load_domain", "write_suite"]
