"""τ²'s banking_knowledge agent tools (discoverable): checking and savings credits, interest discrepancy reports,
account transactions.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_db
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.helpers import (
    _get_account_balance,
)
from sparring.importers.tau2_banking.utils import (
    _deterministic_id,
    get_today_str,
)


class AccountCreditTools(DiscoverableToolKit):
    """Checking and savings credits, interest discrepancy reports, account transactions."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def apply_checking_account_credit_5829(
        self,
        account_id: str,
        amount: float,
        credit_type: str,
    ) -> str:
        """Apply a credit to a customer's checking account.

        Args:
            account_id (string): The checking account ID to credit
            amount (number): The positive dollar amount to credit (must be greater than 0)
            credit_type (string): The type of credit: 'rebate_credit' for missing rebates, 'fee_refund' for incorrect fee charges

        Returns:
            Credit applied to checking account successfully.
        """
        if not account_id or amount is None or not credit_type:
            return "Error: Missing required parameters."

        # Validate amount is a positive number
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            return "Error: Invalid credit amount. Must be a number."

        if amount <= 0:
            return "Error: Credit amount must be positive."

        valid_types = ["rebate_credit", "fee_refund"]
        if credit_type not in valid_types:
            return f"Error: Invalid credit_type. Must be one of: {valid_types}"

        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]

        # Verify it's a checking account
        account_class = account.get("class", "").lower()
        if account_class != "checking":
            return f"Error: Account '{account_id}' is not a checking account. Credits can only be applied to checking accounts."

        # Check account status
        if account.get("status") not in ("ACTIVE", "OPEN"):
            return f"Error: Account '{account_id}' is not active."

        current_balance = _get_account_balance(account)
        new_balance = current_balance + amount

        # Update the account balance
        account["current_holdings"] = f"${new_balance:.2f}"

        # Create transaction record
        transaction_id = (
            f"txn_{_deterministic_id(f'checking_credit:{account_id}:{credit_type}:{amount}:{get_today_str()}')}"
        )

        if credit_type == "rebate_credit":
            description = "REBATE CREDIT - CUSTOMER SERVICE"
        else:
            description = "FEE REFUND - CUSTOMER SERVICE"

        transaction_record = {
            "transaction_id": transaction_id,
            "account_id": account_id,
            "date": get_today_str(),
            "description": description,
            "amount": amount,
            "type": credit_type,
            "status": "posted",
        }

        self.db.bank_account_transaction_history.data[transaction_id] = transaction_record

        return (
            f"\nCredit applied successfully!\n"
            f"  - Transaction ID: {transaction_id}\n"
            f"  - Account: {account_id}\n"
            f"  - Credit Type: {credit_type}\n"
            f"  - Amount: ${amount:.2f}\n"
            f"  - Previous Balance: ${current_balance:.2f}\n"
            f"  - New Balance: ${new_balance:.2f}"
        )

    @is_discoverable_tool(ToolType.WRITE)
    def apply_savings_account_credit_6831(
        self,
        account_id: str,
        amount: float,
        credit_type: str,
    ) -> str:
        """Apply a credit to a customer's savings account for interest corrections, fee refunds, or goodwill adjustments.

        Args:
            account_id (string): The savings account ID to credit
            amount (number): The positive dollar amount to credit (must be greater than 0)
            credit_type (string): The type of credit: 'interest_correction' for APY/interest calculation errors, 'fee_refund' for incorrect fee charges, 'goodwill_credit' for customer service gestures

        Returns:
            Credit applied to savings account successfully.
        """
        if not account_id or amount is None or not credit_type:
            return "Error: Missing required parameters."

        # Validate amount is a positive number
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            return "Error: Invalid credit amount. Must be a number."

        if amount <= 0:
            return "Error: Credit amount must be positive."

        valid_types = ["interest_correction", "fee_refund", "goodwill_credit"]
        if credit_type not in valid_types:
            return f"Error: Invalid credit_type. Must be one of: {valid_types}"

        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]

        # Verify it's a savings account
        account_class = account.get("class", "").lower()
        if account_class not in ("saving", "savings"):
            return (
                f"Error: Account '{account_id}' is not a savings account. This tool only applies to savings accounts."
            )

        # Check account status
        if account.get("status") not in ("ACTIVE", "OPEN"):
            return f"Error: Account '{account_id}' is not active."

        current_balance = _get_account_balance(account)
        new_balance = current_balance + amount

        # Update the account balance
        account["current_holdings"] = f"{new_balance:.2f}"

        # Create transaction record
        transaction_id = (
            f"txn_{_deterministic_id(f'savings_credit:{account_id}:{credit_type}:{amount}:{get_today_str()}')}"
        )

        if credit_type == "interest_correction":
            description = "INTEREST CORRECTION - CUSTOMER SERVICE"
        elif credit_type == "fee_refund":
            description = "FEE REFUND - CUSTOMER SERVICE"
        else:
            description = "GOODWILL CREDIT - CUSTOMER SERVICE"

        transaction_record = {
            "transaction_id": transaction_id,
            "account_id": account_id,
            "date": get_today_str(),
            "description": description,
            "amount": amount,
            "type": credit_type,
            "status": "posted",
        }

        self.db.bank_account_transaction_history.data[transaction_id] = transaction_record

        return (
            f"\nCredit applied successfully!\n"
            f"  - Transaction ID: {transaction_id}\n"
            f"  - Account: {account_id}\n"
            f"  - Credit Type: {credit_type}\n"
            f"  - Amount: ${amount:.2f}\n"
            f"  - Previous Balance: ${current_balance:.2f}\n"
            f"  - New Balance: ${new_balance:.2f}"
        )

    @is_discoverable_tool(ToolType.WRITE)
    def submit_interest_discrepancy_report_7294(
        self,
        account_id: str,
        user_id: str,
        expected_apy: float,
        actual_apy: float,
        amount_difference: float,
    ) -> str:
        """Submit a report for interest calculation discrepancies to the backend team for investigation. Use this when the interest credited to a customer's account does not match expected APY calculations.

        Args:
            account_id (string): The savings account ID with the discrepancy
            user_id (string): The customer's unique identifier
            expected_apy (number): The APY percentage the customer should have received (e.g., 2.775 for 2.775%)
            actual_apy (number): The APY percentage that was actually applied (e.g., 2.5 for 2.5%)
            amount_difference (number): The dollar amount difference between expected and actual interest credited

        Returns:
            Interest discrepancy report submitted successfully. Backend team will investigate.
        """
        if not account_id or not user_id or expected_apy is None or actual_apy is None or amount_difference is None:
            return "Error: Missing required parameters."

        # Validate numeric values
        try:
            expected_apy = float(expected_apy)
            actual_apy = float(actual_apy)
            amount_difference = float(amount_difference)
        except (ValueError, TypeError):
            return "Error: expected_apy, actual_apy, and amount_difference must be numbers."

        # Verify account exists
        account = self.db.accounts.data.get(account_id)
        if account is None:
            return f"Error: Account '{account_id}' not found."

        # Verify user exists
        user = self.db.users.data.get(user_id)
        if user is None:
            return f"Error: User '{user_id}' not found."

        report_id = f"IDR_{_deterministic_id(f'interest_report:{account_id}:{user_id}:{expected_apy}:{actual_apy}:{get_today_str()}')}"

        report_record = {
            "report_id": report_id,
            "account_id": account_id,
            "user_id": user_id,
            "account_level": account.get("level", "Unknown"),
            "expected_apy": expected_apy,
            "actual_apy": actual_apy,
            "apy_difference": round(expected_apy - actual_apy, 4),
            "amount_difference": amount_difference,
            "submitted_date": get_today_str(),
            "status": "PENDING_REVIEW",
        }

        add_to_db("interest_discrepancy_reports", report_id, report_record, db=self.db)

        return (
            f"\nInterest Discrepancy Report Submitted Successfully!\n"
            f"  - Report ID: {report_id}\n"
            f"  - Account: {account_id} ({account.get('level', 'Unknown')})\n"
            f"  - Customer: {user.get('name', 'Unknown')}\n"
            f"  - Expected APY: {expected_apy}%\n"
            f"  - Actual APY: {actual_apy}%\n"
            f"  - APY Difference: {round(expected_apy - actual_apy, 4)}%\n"
            f"  - Amount Difference: ${amount_difference:.2f}\n"
            f"  - Status: PENDING_REVIEW\n"
            f"\nThe backend team will investigate this discrepancy and ensure "
            f"correct APY calculations are applied going forward."
        )

    @is_discoverable_tool(ToolType.READ)
    def get_bank_account_transactions_9173(self, account_id: str) -> str:
        """Retrieve the transaction history for a bank account.

        Transactions are returned in reverse chronological order (most recent
        first).

        Args:
            account_id (string): The bank account ID to retrieve transactions for

        Returns:
            Bank account transactions retrieved successfully.
        """
        from datetime import datetime

        if not account_id:
            return "Error: Missing required parameter: account_id"

        # Verify the account exists
        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        txns = query_db(
            "bank_account_transaction_history",
            db=self.db,
            return_ids=True,
            account_id=account_id,
        )

        # The knowledge doc for this tool guarantees reverse chronological
        # order (most recent first). The sort must stay stable: same-date
        # records keep their stored order, which under the most-recent-first
        # contract identifies the later-listed record as the earlier one
        # (tie-breaker for duplicate-charge disputes).
        def txn_sort_key(item):
            date_str = str(item[1].get("date", ""))
            for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y"):
                try:
                    return datetime.strptime(date_str, fmt)
                except ValueError:
                    continue
            return datetime.min

        txns = sorted(txns, key=txn_sort_key, reverse=True)

        result_parts = [
            "Bank account transactions retrieved successfully.",
            "",
            "Executed: get_bank_account_transactions_9173",
            f"Transactions for account {account_id}:",
        ]

        if txns:
            formatted_lines = [f"Found {len(txns)} record(s) in 'bank_account_transaction_history':\n"]
            for i, (record_id, record) in enumerate(txns, 1):
                formatted_lines.append(f"{i}. Record ID: {record_id}")
                for field, value in record.items():
                    formatted_lines.append(f"   {field}: {value}")
                formatted_lines.append("")
            result_parts.append("\n".join(formatted_lines))
        else:
            result_parts.append("\nNo transactions found for this account.")

        return "\n".join(result_parts)
