"""τ²'s banking_knowledge agent tools (discoverable): credit card payments from checking and credit limit increase
requests.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.helpers import (
    _get_account_balance,
)
from sparring.importers.tau2_banking.utils import (
    generate_credit_limit_increase_request_id,
    get_today_str,
)


class CreditPaymentTools(DiscoverableToolKit):
    """Credit card payments from checking and credit limit increase requests."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def pay_credit_card_from_checking_9182(
        self,
        user_id: str,
        checking_account_id: str,
        credit_card_account_id: str,
        amount: float,
    ) -> str:
        """Pay off a credit card balance using funds from the customer's Rho-Bank checking account. This deducts the specified amount from the checking account and reduces the credit card balance by the same amount.

        Args:
            user_id (string): The customer's unique identifier in the system
            checking_account_id (string): The ID of the Rho-Bank checking account to debit funds from
            credit_card_account_id (string): The ID of the credit card account to apply the payment to
            amount (number): The payment amount in dollars. Must be a positive number.

        Returns:
            Credit card payment processed successfully.
        """
        if not user_id or not checking_account_id or not credit_card_account_id or amount is None:
            return "Error: Missing required parameters (user_id, checking_account_id, credit_card_account_id, amount)."

        # Validate amount is positive
        try:
            amount = float(amount)
            if amount <= 0:
                return "Error: Payment amount must be a positive number."
        except (ValueError, TypeError):
            return "Error: Invalid payment amount. Must be a positive number."

        # Verify checking account exists and belongs to the user
        if checking_account_id not in self.db.accounts.data:
            return f"Error: Checking account '{checking_account_id}' not found."

        checking_account = self.db.accounts.data[checking_account_id]
        if checking_account.get("user_id") != user_id:
            return f"Error: Checking account '{checking_account_id}' does not belong to user '{user_id}'."

        if checking_account.get("class") != "checking":
            return f"Error: Account '{checking_account_id}' is not a checking account."

        # Get checking account balance
        current_balance = _get_account_balance(checking_account)

        if amount > current_balance:
            return f"Error: Insufficient funds in checking account. Available balance: ${current_balance:.2f}, requested payment: ${amount:.2f}."

        # Verify credit card account exists and belongs to the user
        if credit_card_account_id not in self.db.credit_card_accounts.data:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        cc_account = self.db.credit_card_accounts.data[credit_card_account_id]
        if cc_account.get("user_id") != user_id:
            return f"Error: Credit card account '{credit_card_account_id}' does not belong to user '{user_id}'."

        # Get credit card balance
        cc_balance_str = cc_account.get("current_balance", "$0.00")
        try:
            cc_balance = float(str(cc_balance_str).replace("$", "").replace(",", ""))
        except (ValueError, TypeError):
            cc_balance = 0.0

        if amount > cc_balance:
            return f"Error: Payment amount (${amount:.2f}) exceeds credit card balance (${cc_balance:.2f}). Please specify an amount up to the outstanding balance."

        # Process the payment - deduct from checking, reduce CC balance
        new_checking_balance = current_balance - amount
        new_cc_balance = cc_balance - amount

        # Update the database
        self.db.accounts.data[checking_account_id]["current_holdings"] = f"{new_checking_balance:.2f}"
        self.db.credit_card_accounts.data[credit_card_account_id]["current_balance"] = f"${new_cc_balance:.2f}"

        return (
            f"Payment processed successfully!\n"
            f"  - Payment Amount: ${amount:.2f}\n"
            f"  - From Checking Account: {checking_account_id}\n"
            f"  - To Credit Card Account: {credit_card_account_id}\n"
            f"  - New Checking Balance: ${new_checking_balance:.2f}\n"
            f"  - New Credit Card Balance: ${new_cc_balance:.2f}\n"
            f"The payment has been applied immediately."
        )

    @is_discoverable_tool(ToolType.WRITE)
    def submit_credit_limit_increase_request_7392(
        self,
        credit_card_account_id: str,
        user_id: str,
        requested_increase_amount: int,
    ) -> str:
        """Submit a credit limit increase request for a customer's credit card.

        Args:
            credit_card_account_id (string): The credit card account ID to request increase for
            user_id (string): The customer's unique identifier in the system
            requested_increase_amount (integer): The dollar amount by which to increase the credit limit (e.g., 2500 for $2,500)

        Returns:
            Credit limit increase request submitted successfully.
        """
        if not credit_card_account_id or not user_id or requested_increase_amount is None:
            return "Error: Missing required parameters."

        # Normalize to int (the documented type) so the stored record and the
        # response render identically whether the caller sent 2500 or 2500.0.
        # Fractional values are rejected rather than truncated.
        try:
            requested_increase_amount = float(requested_increase_amount)
        except (TypeError, ValueError):
            return "Error: Invalid requested_increase_amount. Must be a whole number."
        if not requested_increase_amount.is_integer():
            return "Error: Invalid requested_increase_amount. Must be a whole number of dollars."
        requested_increase_amount = int(requested_increase_amount)

        if requested_increase_amount <= 0:
            return "Error: Requested increase amount must be positive."

        # Verify the credit card account exists
        if credit_card_account_id not in self.db.credit_card_accounts.data:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        cc_account = self.db.credit_card_accounts.data[credit_card_account_id]
        if cc_account.get("user_id") != user_id:
            return f"Error: Credit card account '{credit_card_account_id}' does not belong to user '{user_id}'."

        request_id = generate_credit_limit_increase_request_id(
            credit_card_account_id, user_id, requested_increase_amount
        )

        today = get_today_str()

        request_record = {
            "request_id": request_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "requested_increase_amount": requested_increase_amount,
            "submitted_at": today,
            "status": "PENDING",
        }

        success = add_to_db("credit_limit_increase_requests", request_id, request_record, db=self.db)

        if not success:
            return "Error: A similar request may already exist."

        return (
            f"Credit limit increase request submitted successfully.\n\n"
            f"Executed: submit_credit_limit_increase_request_7392\n"
            f"  - Request ID: {request_id}\n"
            f"  - Account: {credit_card_account_id}\n"
            f"  - Requested Increase: ${requested_increase_amount:,}\n"
            f"  - Status: PENDING"
        )

    @is_discoverable_tool(ToolType.READ)
    def get_credit_limit_increase_history_4829(self, credit_card_account_id: str) -> str:
        """Retrieve the credit limit increase request history for a specific credit card account. Returns all previous CLI requests including dates, amounts, and statuses.

        Args:
            credit_card_account_id (string): The credit card account ID to check for CLI history

        Returns:
            Credit limit increase history retrieved.
        """
        if not credit_card_account_id:
            return "Error: Missing required parameter: credit_card_account_id"

        cli_result = query_database_tool(
            "credit_limit_increase_requests",
            f'{{"credit_card_account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        result_parts = [
            "Credit limit increase history retrieved.",
            "",
            "Executed: get_credit_limit_increase_history_4829",
            f"Credit limit increase history for account {credit_card_account_id}:",
        ]

        has_records = "No records found" not in cli_result and "No results found" not in cli_result

        if has_records:
            result_parts.append(cli_result)
        else:
            result_parts.append("\nNo credit limit increase requests found for this account.")

        return "\n".join(result_parts)
