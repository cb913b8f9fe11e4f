"""τ²'s banking_knowledge agent tools (discoverable): payment history and credit limit increase decisions.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.utils import (
    generate_credit_limit_increase_request_id,
    get_today_str,
)


class CreditLimitTools(DiscoverableToolKit):
    """Payment history and credit limit increase decisions."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.READ)
    def get_payment_history_6183(self, credit_card_account_id: str, months: int) -> str:
        """Retrieve payment history for a credit card account.

        Args:
            credit_card_account_id (string): The credit card account ID to check payment history for
            months (integer): Number of months of payment history to retrieve

        Returns:
            Payment history retrieved.
        """
        if not credit_card_account_id or months is None:
            return "Error: Missing required parameters (credit_card_account_id, months)."

        try:
            months = int(months)
            if months <= 0:
                return "Error: months must be a positive integer."
        except (ValueError, TypeError):
            return "Error: Invalid months value. Must be a positive integer."

        # Query the payment_history table
        payments = []
        for _payment_id, payment_data in self.db.payment_history.data.items():
            if payment_data.get("credit_card_account_id") == credit_card_account_id:
                payments.append(payment_data)

        if not payments:
            return f"No payment history found for account '{credit_card_account_id}'."

        # Sort by date (most recent first)
        payments.sort(key=lambda x: x.get("payment_date") or "", reverse=True)

        # Limit to requested months
        payments = payments[:months]

        # Count consecutive on-time payments
        consecutive_on_time = 0
        for payment in payments:
            if payment.get("status") == "ON_TIME":
                consecutive_on_time += 1
            else:
                break

        result_parts = [
            f"Payment history for account '{credit_card_account_id}' (last {months} months):",
            f"Consecutive on-time payments: {consecutive_on_time}",
        ]

        for payment in payments:
            result_parts.append(
                f"\n  - Payment Date: {payment.get('payment_date')}\n"
                f"    Amount: {payment.get('amount')}\n"
                f"    Status: {payment.get('status')}"
            )

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def approve_credit_limit_increase_5847(
        self,
        credit_card_account_id: str,
        user_id: str,
        new_credit_limit: int,
    ) -> str:
        """Approve and apply a credit limit increase for a customer's credit card.

        Args:
            credit_card_account_id (string): The credit card account ID
            user_id (string): The customer's unique identifier in the system
            new_credit_limit (integer): The new total credit limit in dollars (e.g., 7500 for $7,500)

        Returns:
            Credit limit increase approved and applied successfully.
        """
        if not credit_card_account_id or not user_id or new_credit_limit is None:
            return "Error: Missing required parameters."

        # Verify the credit card account exists
        if credit_card_account_id not in self.db.credit_card_accounts.data:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        cc_account = self.db.credit_card_accounts.data[credit_card_account_id]
        if cc_account.get("user_id") != user_id:
            return f"Error: Credit card account '{credit_card_account_id}' does not belong to user '{user_id}'."

        # ===========================================
        # ELIGIBILITY CHECKS - All must pass
        # Generic error message if ANY check fails
        # ===========================================
        ineligible = False

        # Check 1: No pending disputes
        if hasattr(self.db, "transaction_disputes") and self.db.transaction_disputes.data:
            for _dispute_id, dispute in self.db.transaction_disputes.data.items():
                if dispute.get("user_id") == user_id and dispute.get("status") in [
                    "SUBMITTED",
                    "UNDER_REVIEW",
                    "PENDING",
                ]:
                    ineligible = True
                    break

        # Check 2: No pending replacement cards
        if not ineligible and hasattr(self.db, "credit_card_orders") and self.db.credit_card_orders.data:
            for _order_id, order in self.db.credit_card_orders.data.items():
                if order.get("credit_card_account_id") == credit_card_account_id and order.get("status") in [
                    "PENDING",
                    "PROCESSING",
                    "SHIPPED",
                ]:
                    ineligible = True
                    break

        # Check 3: Account must be in good standing
        if not ineligible:
            account_status = cc_account.get("account_status", "").upper()
            if account_status in [
                "PAST_DUE",
                "DELINQUENT",
                "COLLECTIONS",
                "CLOSED",
            ]:
                ineligible = True

        if ineligible:
            return "Error: Credit limit increase request cannot be approved at this time."

        # Get current credit limit
        current_limit_str = cc_account.get("credit_limit", "$0.00")
        try:
            current_limit = float(str(current_limit_str).replace("$", "").replace(",", ""))
        except (ValueError, TypeError):
            current_limit = 0.0

        # Update the credit limit
        new_limit = float(new_credit_limit)
        self.db.credit_card_accounts.data[credit_card_account_id]["credit_limit"] = f"${new_limit:.2f}"

        today = get_today_str()

        # Create an approval record
        request_id = generate_credit_limit_increase_request_id(
            credit_card_account_id, user_id, new_limit - current_limit
        )

        approval_record = {
            "request_id": request_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "previous_limit": f"${current_limit:.2f}",
            "new_limit": f"${new_limit:.2f}",
            "increase_amount": f"${new_limit - current_limit:.2f}",
            "decision_date": today,
            "status": "APPROVED",
        }

        add_to_db(
            "credit_limit_increase_requests",
            request_id,
            approval_record,
            db=self.db,
        )

        return (
            f"Credit limit increase approved!\n"
            f"  - Account: {credit_card_account_id}\n"
            f"  - Previous Limit: ${current_limit:.2f}\n"
            f"  - New Limit: ${new_limit:.2f}\n"
            f"  - Increase: ${new_limit - current_limit:.2f}\n"
            f"  - Effective Date: {today}\n"
            f"The customer will receive a confirmation email."
        )

    @is_discoverable_tool(ToolType.WRITE)
    def deny_credit_limit_increase_5848(
        self,
        credit_card_account_id: str,
        user_id: str,
        denial_reason: str,
    ) -> str:
        """Deny a credit limit increase request for a customer's credit card.

        Args:
            credit_card_account_id (string): The credit card account ID
            user_id (string): The customer's unique identifier in the system
            denial_reason (string): The reason for denying the request. Must be one of: 'insufficient_account_age', 'cooldown_period_active', 'pending_disputes', 'pending_replacement_card', 'past_due_balance', 'high_utilization', 'insufficient_payment_history', 'requested_amount_exceeds_limit', 'other'

        Returns:
            Credit limit increase request denied.
        """
        if not credit_card_account_id or not user_id or not denial_reason:
            return "Error: Missing required parameters."

        valid_reasons = [
            "insufficient_account_age",
            "cooldown_period_active",
            "pending_disputes",
            "pending_replacement_card",
            "past_due_balance",
            "high_utilization",
            "insufficient_payment_history",
            "requested_amount_exceeds_limit",
            "other",
        ]
        if denial_reason not in valid_reasons:
            return f"Error: Invalid denial_reason. Must be one of: {', '.join(valid_reasons)}"

        # Verify the credit card account exists
        if credit_card_account_id not in self.db.credit_card_accounts.data:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        today = get_today_str()

        # Create a denial record
        request_id = generate_credit_limit_increase_request_id(credit_card_account_id, user_id, 0.0)

        denial_record = {
            "request_id": request_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "denial_reason": denial_reason,
            "decision_date": today,
            "status": "DENIED",
        }

        add_to_db(
            "credit_limit_increase_requests",
            request_id,
            denial_record,
            db=self.db,
        )

        return (
            f"Credit limit increase request denied.\n"
            f"  - Account: {credit_card_account_id}\n"
            f"  - Denial Reason: {denial_reason}\n"
            f"  - Date: {today}\n"
            f"The customer will receive a notification explaining the denial."
        )
