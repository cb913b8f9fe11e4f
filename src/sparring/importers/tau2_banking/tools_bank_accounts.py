"""τ²'s banking_knowledge agent tools (discoverable): opening, closing, listing bank accounts and transfers between
them.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

from typing import Any

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.helpers import (
    _get_account_balance,
    _parse_balance,
)
from sparring.importers.tau2_banking.utils import (
    _deterministic_id,
    get_now,
    get_today_str,
)


class BankAccountTools(DiscoverableToolKit):
    """Opening, closing, listing bank accounts and transfers between them."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def open_bank_account_4821(
        self,
        user_id: str,
        account_type: str,
        account_class: str,
    ) -> str:
        """Open a new bank account for a customer.

        Args:
            user_id (string): The customer's unique identifier in the system
            account_type (string): Type of account to open. Must be one of: 'checking' (personal checking), 'savings' (personal savings), 'business_checking', 'business_savings'
            account_class (string): The full official account class name

        Returns:
            Bank account opened successfully.
        """
        from datetime import datetime

        if not user_id or not account_type or not account_class:
            return "Error: Missing required parameters."

        valid_types = ["checking", "savings", "business_checking", "business_savings"]
        if account_type not in valid_types:
            return f"Error: Invalid account_type. Must be one of: {valid_types}"

        today_date = get_now()

        def get_account_age_days(acc: dict[str, Any]) -> int:
            date_opened_str = acc.get("date_opened", "")
            try:
                date_opened = datetime.strptime(date_opened_str, "%m/%d/%Y")
                return (today_date - date_opened).days
            except ValueError:
                return 0

        # Get all user's accounts for eligibility checks
        user_accounts = [acc for acc_id, acc in self.db.accounts.data.items() if acc.get("user_id") == user_id]

        # ========== PERSONAL SAVINGS ELIGIBILITY ==========
        # Requires: personal checking account open for at least 14 days
        if account_type == "savings":
            has_eligible_checking = False
            for acc in user_accounts:
                acc_type = acc.get("account_type", acc.get("class", ""))
                status = acc.get("status", "")
                if (
                    acc_type in ["checking", "personal_checking"]
                    and status
                    in [
                        "OPEN",
                        "ACTIVE",
                    ]
                    and get_account_age_days(acc) >= 14
                ):
                    has_eligible_checking = True
                    break

            if not has_eligible_checking:
                return "Error: Account eligibility requirements not met."

        # ========== BUSINESS CHECKING ELIGIBILITY ==========
        # Requires: 1) No accounts with CLOSED status, 2) Personal checking with OPEN status
        if account_type == "business_checking":
            has_closed_account = any(acc.get("status") == "CLOSED" for acc in user_accounts)
            if has_closed_account:
                return "Error: Account eligibility requirements not met."

            has_personal_checking = any(
                acc.get("account_type", acc.get("class", "")) in ["checking", "personal_checking"]
                and acc.get("status", "") in ["OPEN", "ACTIVE"]
                for acc in user_accounts
            )
            if not has_personal_checking:
                return "Error: Account eligibility requirements not met."

        # ========== BUSINESS SAVINGS ELIGIBILITY ==========
        # Requires: 1) Business checking with OPEN status for 30+ days, 2) No negative balances
        if account_type == "business_savings":
            for acc in user_accounts:
                balance = _parse_balance(acc.get("current_holdings", acc.get("balance", 0)))
                if balance < 0:
                    return "Error: Account eligibility requirements not met."

            has_eligible_business_checking = False
            for acc in user_accounts:
                acc_type = acc.get("account_type", acc.get("class", ""))
                status = acc.get("status", "")
                if acc_type == "business_checking" and status in ["OPEN", "ACTIVE"] and get_account_age_days(acc) >= 30:
                    has_eligible_business_checking = True
                    break

            if not has_eligible_business_checking:
                return "Error: Account eligibility requirements not met."

        # Generate account ID
        seed = f"account:{user_id}:{account_type}:{account_class}"
        account_id = _deterministic_id(seed)

        today = get_today_str()

        account_record = {
            "account_id": account_id,
            "user_id": user_id,
            "account_type": account_type,
            "account_class": account_class,
            "current_holdings": "0.00",
            "status": "OPEN",
            "date_opened": today,
        }

        success = add_to_db("accounts", account_id, account_record, db=self.db)

        if not success:
            return f"Failed to open account: Account ID '{account_id}' may already exist."

        return (
            f"Bank account opened successfully!\n"
            f"  - Account ID: {account_id}\n"
            f"  - User ID: {user_id}\n"
            f"  - Account Type: {account_type}\n"
            f"  - Account Class: {account_class}\n"
            f"  - Status: OPEN\n"
            f"  - Initial Balance: $0.00\n"
            f"  - Date Opened: {today}"
        )

    @is_discoverable_tool(ToolType.WRITE)
    def close_bank_account_7392(
        self,
        account_id: str,
        reason: str = "Customer requested closure",
        waive_early_closure_fee: bool = False,
    ) -> str:
        """Close a customer's bank account (checking or savings).

        Args:
            account_id (string): The ID of the bank account to close
            reason (string, optional): The reason for closing the account
            waive_early_closure_fee (boolean, optional): Whether to waive early closure fees

        Returns:
            Bank account closed successfully.
        """
        from datetime import datetime

        # Early closure fee configuration by account tier
        PERSONAL_CHECKING_EARLY_CLOSURE = {
            "Light Blue Account": {"fee": 15, "window_days": 30},
            "Light Green Account": {"fee": 15, "window_days": 30},
            "Green Fee-Free Account": {"fee": 15, "window_days": 30},
            "Blue Account": {"fee": 25, "window_days": 60},
            "Green Account": {"fee": 25, "window_days": 60},
            "Evergreen Account": {"fee": 50, "window_days": 90},
            "Bluest Account": {"fee": 100, "window_days": 180},
        }
        PERSONAL_SAVINGS_EARLY_CLOSURE = {
            "Bronze Account": {"fee": 20, "window_days": 60},
            "Silver Account": {"fee": 35, "window_days": 90},
            "Silver Plus Account": {"fee": 35, "window_days": 90},
            "Gold Account": {"fee": 75, "window_days": 180},
            "Gold Plus Account": {"fee": 75, "window_days": 180},
            "Gold Years Account": {"fee": 75, "window_days": 180},
            "Platinum Account": {"fee": 150, "window_days": 270},
            "Platinum Plus Account": {"fee": 150, "window_days": 270},
            "Diamond Elite Account": {"fee": 150, "window_days": 270},
        }

        if not account_id:
            return "Error: Missing required parameter (account_id)."

        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]

        if account.get("status") == "CLOSED":
            return f"Error: Account '{account_id}' is already closed."

        balance = _get_account_balance(account)

        # Check for early closure fee requirements
        early_closure_fee_applied = 0.0
        if not waive_early_closure_fee:
            account_level = account.get("level", "")
            account_class = account.get("class", "")
            date_opened_str = account.get("date_opened", "")

            early_closure_config = None
            if account_class == "checking":
                early_closure_config = PERSONAL_CHECKING_EARLY_CLOSURE.get(account_level)
            elif account_class == "savings":
                early_closure_config = PERSONAL_SAVINGS_EARLY_CLOSURE.get(account_level)

            if early_closure_config and date_opened_str:
                try:
                    date_opened = datetime.strptime(date_opened_str, "%m/%d/%Y")
                    today_date = get_now()
                    account_age_days = (today_date - date_opened).days

                    if account_age_days < early_closure_config["window_days"]:
                        required_fee = early_closure_config["fee"]
                        if balance < required_fee:
                            return "Error: Account unable to be closed."
                        else:
                            early_closure_fee_applied = required_fee
                except ValueError:
                    pass

        # After deducting early closure fee (if any), remaining balance must be $0
        remaining_balance = balance - early_closure_fee_applied
        if remaining_balance != 0:
            return f"Error: Account balance must be $0.00 before closing. Current balance: ${balance:.2f}"

        today = get_today_str()

        account["status"] = "CLOSED"
        account["date_closed"] = today
        account["closure_reason"] = reason
        account["early_closure_fee_waived"] = waive_early_closure_fee

        return (
            f"Bank account closed successfully!\n"
            f"  - Account ID: {account_id}\n"
            f"  - Account Type: {account.get('account_type', 'N/A')}\n"
            f"  - Account Class: {account.get('account_class', 'N/A')}\n"
            f"  - Status: CLOSED\n"
            f"  - Date Closed: {today}\n"
            f"  - Reason: {reason}\n"
            f"  - Early Closure Fee Waived: {'Yes' if waive_early_closure_fee else 'No'}"
        )

    @is_discoverable_tool(ToolType.READ)
    def get_all_user_accounts_by_user_id_3847(self, user_id: str) -> str:
        """Retrieve all accounts (checking, savings, credit cards) for a customer.

        Args:
            user_id (string): The customer's unique identifier in the system

        Returns:
            User accounts retrieved successfully.
        """
        if not user_id:
            return "Error: Missing required parameter: user_id"

        accounts_result = query_database_tool("accounts", f'{{"user_id": "{user_id}"}}', db=self.db)

        cc_result = query_database_tool("credit_card_accounts", f'{{"user_id": "{user_id}"}}', db=self.db)

        result_parts = [
            "User accounts retrieved successfully.",
            "",
            "Executed: get_all_user_accounts_by_user_id_3847",
            f"Accounts for user {user_id}:",
            "",
            "Bank Accounts:",
        ]

        if "No records found" not in accounts_result and "No results found" not in accounts_result:
            result_parts.append(accounts_result)
        else:
            result_parts.append("  No bank accounts found.")

        result_parts.append("\nCredit Card Accounts:")
        if "No records found" not in cc_result and "No results found" not in cc_result:
            result_parts.append(cc_result)
        else:
            result_parts.append("  No credit card accounts found.")

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def transfer_funds_between_bank_accounts_7291(
        self,
        source_account_id: str,
        destination_account_id: str,
        amount: float,
    ) -> str:
        """Transfer funds from one bank account to another.

        Args:
            source_account_id (string): The account ID to transfer funds from
            destination_account_id (string): The account ID to transfer funds to
            amount (number): The amount to transfer in USD

        Returns:
            Funds transferred successfully.
        """
        if not source_account_id or not destination_account_id or amount is None:
            return "Error: Missing required parameters (source_account_id, destination_account_id, amount)."

        try:
            amount = float(amount)
        except (ValueError, TypeError):
            return f"Error: Invalid amount '{amount}'. Must be a number."

        if amount <= 0:
            return "Error: Transfer amount must be positive."

        if source_account_id == destination_account_id:
            return "Error: Source and destination accounts cannot be the same."

        if source_account_id not in self.db.accounts.data:
            return f"Error: Source account '{source_account_id}' not found."

        if destination_account_id not in self.db.accounts.data:
            return f"Error: Destination account '{destination_account_id}' not found."

        source = self.db.accounts.data[source_account_id]
        if source.get("status") not in ("ACTIVE", "OPEN"):
            return f"Error: Source account '{source_account_id}' is not active."

        dest = self.db.accounts.data[destination_account_id]
        if dest.get("status") not in ("ACTIVE", "OPEN"):
            return f"Error: Destination account '{destination_account_id}' is not active."

        source_balance = _get_account_balance(source)
        if source_balance < amount:
            return (
                f"Error: Insufficient funds. Source account balance is ${source_balance:.2f}, "
                f"but transfer amount is ${amount:.2f}."
            )

        dest_balance = _get_account_balance(dest)

        # Update balances
        new_source = source_balance - amount
        new_dest = dest_balance + amount
        source["current_holdings"] = f"${new_source:.2f}"
        dest["current_holdings"] = f"${new_dest:.2f}"

        return (
            f"Transfer completed successfully!\n"
            f"  - Amount: ${amount:.2f}\n"
            f"  - From: {source_account_id} (new balance: ${new_source:.2f})\n"
            f"  - To: {destination_account_id} (new balance: ${new_dest:.2f})"
        )
