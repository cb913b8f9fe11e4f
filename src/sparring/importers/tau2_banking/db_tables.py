"""The tables τ²'s banking_knowledge database queries can read, by name (`query_database_tool`'s "Available").

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/db_query.py`), MIT licence, Copyright (c) 2025 Sierra Research, unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.importers.tau2_banking.data_model import TransactionalDB


def _load_databases(db: TransactionalDB) -> dict[str, dict[str, dict[str, Any]]]:
    """Convert TransactionalDB to dict format for querying.

    Args:
        db: TransactionalDB instance

    Returns:
        Dictionary mapping database names to their records.
    """
    result = {
        "users": {"data": db.users.data, "notes": db.users.notes},
        "accounts": {"data": db.accounts.data, "notes": db.accounts.notes},
        "referrals": {"data": db.referrals.data, "notes": db.referrals.notes},
        "credit_card_applications": {
            "data": db.credit_card_applications.data,
            "notes": db.credit_card_applications.notes,
        },
    }
    # Add user discoverable tools tables if they exist
    if hasattr(db, "user_discoverable_tools"):
        result["user_discoverable_tools"] = {
            "data": db.user_discoverable_tools.data,
            "notes": db.user_discoverable_tools.notes,
        }
    if hasattr(db, "user_discoverable_tool_calls"):
        result["user_discoverable_tool_calls"] = {
            "data": db.user_discoverable_tool_calls.data,
            "notes": db.user_discoverable_tool_calls.notes,
        }
    # Add agent discoverable tools tables if they exist
    if hasattr(db, "agent_discoverable_tools"):
        result["agent_discoverable_tools"] = {
            "data": db.agent_discoverable_tools.data,
            "notes": db.agent_discoverable_tools.notes,
        }
    if hasattr(db, "task_config"):
        result["task_config"] = {
            "data": db.task_config.data,
            "notes": db.task_config.notes,
        }
    if hasattr(db, "verification_history"):
        result["verification_history"] = {
            "data": db.verification_history.data,
            "notes": db.verification_history.notes,
        }
    if hasattr(db, "credit_card_transaction_history"):
        result["credit_card_transaction_history"] = {
            "data": db.credit_card_transaction_history.data,
            "notes": db.credit_card_transaction_history.notes,
        }
    if hasattr(db, "cash_back_disputes"):
        result["cash_back_disputes"] = {
            "data": db.cash_back_disputes.data,
            "notes": db.cash_back_disputes.notes,
        }
    if hasattr(db, "bank_account_transaction_history"):
        result["bank_account_transaction_history"] = {
            "data": db.bank_account_transaction_history.data,
            "notes": db.bank_account_transaction_history.notes,
        }
    if hasattr(db, "credit_card_accounts"):
        result["credit_card_accounts"] = {
            "data": db.credit_card_accounts.data,
            "notes": db.credit_card_accounts.notes,
        }
    if hasattr(db, "human_transfer_requests"):
        result["human_transfer_requests"] = {
            "data": db.human_transfer_requests.data,
            "notes": db.human_transfer_requests.notes,
        }
    if hasattr(db, "transaction_disputes"):
        result["transaction_disputes"] = {
            "data": db.transaction_disputes.data,
            "notes": db.transaction_disputes.notes,
        }
    if hasattr(db, "credit_card_orders"):
        result["credit_card_orders"] = {
            "data": db.credit_card_orders.data,
            "notes": db.credit_card_orders.notes,
        }
    if hasattr(db, "credit_card_closure_reasons"):
        result["credit_card_closure_reasons"] = {
            "data": db.credit_card_closure_reasons.data,
            "notes": db.credit_card_closure_reasons.notes,
        }
    if hasattr(db, "credit_card_account_flags"):
        result["credit_card_account_flags"] = {
            "data": db.credit_card_account_flags.data,
            "notes": db.credit_card_account_flags.notes,
        }
    if hasattr(db, "debit_cards"):
        result["debit_cards"] = {
            "data": db.debit_cards.data,
            "notes": db.debit_cards.notes,
        }
    if hasattr(db, "debit_card_orders"):
        result["debit_card_orders"] = {
            "data": db.debit_card_orders.data,
            "notes": db.debit_card_orders.notes,
        }
    if hasattr(db, "debit_card_disputes"):
        result["debit_card_disputes"] = {
            "data": db.debit_card_disputes.data,
            "notes": db.debit_card_disputes.notes,
        }
    if hasattr(db, "credit_limit_increase_requests"):
        result["credit_limit_increase_requests"] = {
            "data": db.credit_limit_increase_requests.data,
            "notes": db.credit_limit_increase_requests.notes,
        }
    if hasattr(db, "payment_history"):
        result["payment_history"] = {
            "data": db.payment_history.data,
            "notes": db.payment_history.notes,
        }
    return result
