"""τ²'s banking_knowledge agent tools (discoverable): credit card closure reasons, statement credits, account flags and
closing an account.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

import json

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool, update_record_in_db
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.utils import (
    generate_account_flag_id,
    generate_closure_reason_id,
    generate_transaction_id,
    get_today_str,
)


class CardClosureTools(DiscoverableToolKit):
    """Credit card closure reasons, statement credits, account flags and closing an account."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def log_credit_card_closure_reason_4521(
        self,
        credit_card_account_id: str,
        user_id: str,
        closure_reason: str,
    ) -> str:
        """Log the reason why a customer wants to close their credit card account.

        Args:
            credit_card_account_id (string): The credit card account ID the customer wants to close
            user_id (string): The user's unique identifier in the system
            closure_reason (string): Reason for closure. Must be one of: 'annual_fee', 'not_using_card', 'found_better_card', 'unhappy_with_rewards', 'simplifying_finances', 'negative_experience', 'other'

        Returns:
            Closure reason logged successfully.
        """
        if not credit_card_account_id or not user_id or not closure_reason:
            return "Error: Missing required parameters."

        valid_reasons = [
            "annual_fee",
            "not_using_card",
            "found_better_card",
            "unhappy_with_rewards",
            "simplifying_finances",
            "negative_experience",
            "other",
        ]
        if closure_reason not in valid_reasons:
            return f"Error: Invalid closure_reason. Must be one of: {valid_reasons}"

        record_id = generate_closure_reason_id(credit_card_account_id, user_id)

        closure_record = {
            "record_id": record_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "closure_reason": closure_reason,
            "logged_at": get_today_str(),
            "status": "LOGGED",
        }

        add_to_db("credit_card_closure_reasons", record_id, closure_record, db=self.db)

        return (
            f"Closure reason logged successfully.\n\n"
            f"Executed: log_credit_card_closure_reason_4521\n"
            f"Arguments: {json.dumps({'credit_card_account_id': credit_card_account_id, 'user_id': user_id, 'closure_reason': closure_reason}, indent=2)}\n"
            f"Closure reason '{closure_reason}' logged for account {credit_card_account_id}."
        )

    @is_discoverable_tool(ToolType.READ)
    def get_closure_reason_history_8293(self, credit_card_account_id: str) -> str:
        """Retrieve the closure reason history for a specific credit card account.

        Args:
            credit_card_account_id (string): The credit card account ID to check for previous closure attempts

        Returns:
            Closure reason history retrieved successfully.
        """
        if not credit_card_account_id:
            return "Error: Missing required parameter: credit_card_account_id"

        closure_reasons_result = query_database_tool(
            "credit_card_closure_reasons",
            f'{{"credit_card_account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        result_parts = [
            "Closure reason history retrieved successfully.",
            "",
            "Executed: get_closure_reason_history_8293",
            f"Closure reason history for credit card account {credit_card_account_id}:",
        ]

        has_records = (
            "No records found" not in closure_reasons_result and "No results found" not in closure_reasons_result
        )

        if has_records:
            result_parts.append(closure_reasons_result)
        else:
            result_parts.append("\nNo closure reason records found for this credit card account.")

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def apply_statement_credit_8472(
        self,
        user_id: str,
        credit_card_account_id: str,
        amount: float,
        reason: str,
    ) -> str:
        """Apply a statement credit to a customer's credit card account.

        Args:
            user_id (string): The user's unique identifier in the system
            credit_card_account_id (string): The credit card account ID to apply the credit to
            amount (number): The credit amount in dollars (e.g., 25.00 for a $25 credit)
            reason (string): Reason for the statement credit. Must be one of: 'goodwill_adjustment', 'promotional_credit', 'annual_fee_reversal', 'late_fee_reversal', 'interest_charge_reversal', 'dispute_resolution', 'price_match', 'retention_offer', 'error_correction', 'other'

        Returns:
            Statement credit applied successfully.
        """
        if not user_id or not credit_card_account_id or amount is None or not reason:
            return "Error: Missing required parameters (user_id, credit_card_account_id, amount, reason)."

        if amount <= 0:
            return "Error: Credit amount must be positive."

        valid_reasons = [
            "goodwill_adjustment",
            "promotional_credit",
            "annual_fee_reversal",
            "late_fee_reversal",
            "interest_charge_reversal",
            "dispute_resolution",
            "price_match",
            "retention_offer",
            "error_correction",
            "other",
        ]
        if reason not in valid_reasons:
            return f"Error: Invalid reason. Must be one of: {valid_reasons}"

        result = query_database_tool(
            "credit_card_accounts",
            f'{{"account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        if "No results found" in result or "No records found" in result:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        transaction_id = generate_transaction_id(user_id, "STATEMENT_CREDIT", reason, amount, "Statement Credit")

        today = get_today_str()

        credit_record = {
            "transaction_id": transaction_id,
            "user_id": user_id,
            "credit_card_account_id": credit_card_account_id,
            "credit_card_type": "N/A",
            "merchant_name": "Rho-Bank Statement Credit",
            "transaction_amount": f"-${amount:.2f}",
            "transaction_date": today,
            "category": "Statement Credit",
            "status": "COMPLETED",
            "rewards_earned": "0 points",
            "credit_reason": reason,
        }

        success = add_to_db("credit_card_transaction_history", transaction_id, credit_record, db=self.db)

        if not success:
            return f"Error: Failed to apply statement credit. Transaction ID '{transaction_id}' may already exist."

        return (
            f"Statement credit applied successfully.\n\n"
            f"Executed: apply_statement_credit_8472\n"
            f"  - Transaction ID: {transaction_id}\n"
            f"  - User ID: {user_id}\n"
            f"  - Account: {credit_card_account_id}\n"
            f"  - Credit Amount: ${amount:.2f}\n"
            f"  - Reason: {reason.replace('_', ' ').title()}\n"
            f"  - Date: {today}"
        )

    @is_discoverable_tool(ToolType.WRITE)
    def apply_credit_card_account_flag_6147(
        self,
        credit_card_account_id: str,
        user_id: str,
        flag_type: str,
        expiration_date: str,
        reason: str,
    ) -> str:
        """Apply a flag to a customer's credit card account. Flags can include annual fee waivers, promotional APR rates, rewards bonuses, or other account-level modifiers. Each flag has an effective date and expiration date.

        Args:
            credit_card_account_id (string): The credit card account ID to apply the flag to
            user_id (string): The user's unique identifier in the system
            flag_type (string): Type of flag to apply. Must be one of: 'annual_fee_waived', 'promotional_apr', 'rewards_bonus', 'other'
            expiration_date (string): Date when the flag expires (MM/DD/YYYY format)
            reason (string): Reason for applying this flag. Must be one of: 'retention_offer', 'loyalty_benefit', 'promotional', 'error_correction', 'other'

        Returns:
            Account flag applied successfully.
        """
        if not credit_card_account_id or not user_id or not flag_type or not expiration_date or not reason:
            return "Error: Missing required parameters (credit_card_account_id, user_id, flag_type, expiration_date, reason)."

        valid_flag_types = [
            "annual_fee_waived",
            "promotional_apr",
            "rewards_bonus",
            "other",
        ]
        if flag_type not in valid_flag_types:
            return f"Error: Invalid flag_type. Must be one of: {valid_flag_types}"

        valid_reasons = [
            "retention_offer",
            "loyalty_benefit",
            "promotional",
            "error_correction",
            "other",
        ]
        if reason not in valid_reasons:
            return f"Error: Invalid reason. Must be one of: {valid_reasons}"

        # Verify the credit card account exists
        result = query_database_tool(
            "credit_card_accounts",
            f'{{"account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        if "No results found" in result or "No records found" in result:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        flag_id = generate_account_flag_id(credit_card_account_id, flag_type, expiration_date)

        today = get_today_str()

        flag_record = {
            "flag_id": flag_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "flag_type": flag_type,
            "effective_date": today,
            "expiration_date": expiration_date,
            "reason": reason,
            "applied_at": today,
            "status": "ACTIVE",
        }

        success = add_to_db("credit_card_account_flags", flag_id, flag_record, db=self.db)

        if not success:
            return f"Error: Failed to apply account flag. Flag ID '{flag_id}' may already exist."

        flag_type_display = flag_type.replace("_", " ").title()
        reason_display = reason.replace("_", " ").title()

        return (
            f"Account flag applied successfully!\n"
            f"  - Flag ID: {flag_id}\n"
            f"  - Account: {credit_card_account_id}\n"
            f"  - User ID: {user_id}\n"
            f"  - Flag Type: {flag_type_display}\n"
            f"  - Effective Date: {today}\n"
            f"  - Expiration Date: {expiration_date}\n"
            f"  - Reason: {reason_display}"
        )

    @is_discoverable_tool(ToolType.WRITE)
    def close_credit_card_account_7834(
        self,
        credit_card_account_id: str,
        user_id: str,
    ) -> str:
        """Close a customer's credit card account permanently.

        Args:
            credit_card_account_id (string): The credit card account ID to close
            user_id (string): The user's unique identifier in the system

        Returns:
            Credit card account closed successfully.
        """
        if not credit_card_account_id or not user_id:
            return "Error: Missing required parameters (credit_card_account_id, user_id)."

        result = query_database_tool(
            "credit_card_accounts",
            f'{{"account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        if "No results found" in result or "No records found" in result:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        success, updated_record = update_record_in_db(
            "credit_card_accounts",
            db=self.db,
            record_id=credit_card_account_id,
            updates={
                "status": "CLOSED",
                "closed_date": get_today_str(),
                "closed_by": user_id,
            },
        )

        if not success:
            return f"Error: Failed to close credit card account '{credit_card_account_id}'."

        return (
            f"Credit card account closed successfully.\n\n"
            f"Executed: close_credit_card_account_7834\n"
            f"Arguments: {json.dumps({'credit_card_account_id': credit_card_account_id, 'user_id': user_id}, indent=2)}\n"
            f"Account {credit_card_account_id} has been closed."
        )
