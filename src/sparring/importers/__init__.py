"""Importers: suites made from other benchmarks' data.

Owns `sparring import tau2`: a τ²-bench domain (tasks, policy, database, tools) becomes a Sparring suite whose
scenarios are the domain's tasks, whose backend is τ²'s own environment (`Tau2Backend`), and whose `tau2_reward`
check computes τ²'s reward (DB state, actions, communicated information, multiplied over the task's reward basis).
τ² itself is an optional extra (`pip install -e .[tau2]`): nothing here imports it until a τ² domain is used.

Layer: beside extraction; may import suite, backend, data_model and evaluations.
"""
