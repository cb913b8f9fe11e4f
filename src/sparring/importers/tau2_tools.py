"""The agent's toolkit of a τ² domain: τ²'s own tool code from the installed package, plus the tools of newer
τ²-bench releases that the installed package lacks, ported verbatim from τ²-bench v1.0.x
(`src/tau2/domains/<domain>/tools.py`, MIT licence, Copyright (c) 2025 Sierra Research):

- retail: `get_item_details(item_id)` (READ): the inventory details of one item (a product variant).

A port is added only when the installed toolkit lacks the tool, so a newer τ² package's own code always wins.
banking_knowledge, which the installed package lacks whole, is ported in `tau2_banking`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

# domain name -> (module of its database model, the model's class, module of its toolkit, the toolkit's class)
TOOLKITS = {
    "airline": ("tau2.domains.airline.data_model", "FlightDB", "tau2.domains.airline.tools", "AirlineTools"),
    "retail": ("tau2.domains.retail.data_model", "RetailDB", "tau2.domains.retail.tools", "RetailTools"),
    "telecom": ("tau2.domains.telecom.data_model", "TelecomDB", "tau2.domains.telecom.tools", "TelecomTools"),
    "banking_knowledge": (
        "sparring.importers.tau2_banking.data_model",
        "TransactionalDB",
        "sparring.importers.tau2_banking.agent",
        "KnowledgeTools",
    ),
    "mock": ("tau2.domains.mock.data_model", "MockDB", "tau2.domains.mock.tools", "MockTools"),
}


def database_model(domain: str) -> Any:
    """The pydantic model of the domain's database (τ²'s)."""
    module, name, _tools, _toolkit = TOOLKITS[domain]
    return getattr(import_module(module), name)


def _retail_ports(base: type) -> type:
    """RetailTools with v1.0.x's `get_item_details`, when the installed one lacks it."""
    if hasattr(base, "get_item_details"):
        return base
    from tau2.domains.retail.data_model import Variant
    from tau2.environment.toolkit import ToolType, is_tool

    class RetailTools(base):
        """τ²'s retail toolkit with the tools of τ²-bench v1.0.x it lacks."""

        @is_tool(ToolType.READ)
        def get_item_details(self, item_id: str) -> Variant:
            """Get the inventory details of an item.

            Args:
                item_id: The item id, such as '6086499569'. Be careful the item id is different from the product id.

            Returns:
                Variant: The item details.

            Raises:
                ValueError: If the item is not found.
            """
            for _, product in self.db.products.items():
                if item_id in product.variants:
                    return product.variants[item_id]
            raise ValueError("Item not found")

    return RetailTools


PORTS: dict[str, Callable[[type], type]] = {"retail": _retail_ports}


def toolkit_class(domain: str) -> type:
    """The domain's toolkit class: τ²'s, with the ported tools it lacks."""
    _model, _name, module, name = TOOLKITS[domain]
    base: type = getattr(import_module(module), name)
    port = PORTS.get(domain)
    return port(base) if port else base
