"""τ²'s banking_knowledge customer tools that the agent gives (discoverable), and card transactions.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code
and docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows).
"""

import json
from typing import Any

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
    is_tool,
)
from sparring.importers.tau2_banking.utils import (
    generate_dispute_id,
    generate_referral_link_id,
    generate_transaction_id,
    generate_user_discoverable_tool_call_id,
    get_today_str,
)


class KnowledgeUserDiscoverableTools(DiscoverableToolKit):
    """The customer's discoverable tools (given by the agent) and `submit_transaction`."""

    db: TransactionalDB

    def _check_tool_given(self, tool_name: str) -> str | None:
        """Check if a user discoverable tool was given by the agent.

        Returns None if tool was given, or an error message if not.
        """
        result = query_database_tool("user_discoverable_tools", f'{{"tool_name": "{tool_name}"}}', db=self.db)
        if "No records found" in result:
            return (
                f"Error: Tool '{tool_name}' has not been given to you by the agent. "
                f"The agent must first use `give_discoverable_user_tool` to give this tool to you."
            )
        return None

    def _log_user_tool_call(self, tool_name: str, args: dict[str, Any]) -> None:
        """Log a user discoverable tool call to the database."""
        call_record = {
            "tool_name": tool_name,
            "arguments": args,
            "called_at": get_today_str(),
            "status": "CALLED",
        }
        call_record_id = generate_user_discoverable_tool_call_id(tool_name, args)
        add_to_db("user_discoverable_tool_calls", call_record_id, call_record, db=self.db)

    # =========================================================================
    # User Discoverable Tools
    # These tools represent actions users take in the real world. The agent
    # gives them to the user via give_discoverable_user_tool, and the user
    # calls them directly. They are NOT included in the default tool list.
    # =========================================================================

    @is_discoverable_tool(ToolType.WRITE)
    def submit_cash_back_dispute_0589(self, user_id: str, transaction_id: str) -> str:
        """Submit a cash back dispute for a specific transaction.

        Args:
            user_id (string): The user's unique identifier in the system
            transaction_id (string): The unique identifier for the transaction with incorrect cash back

        Returns:
            Cash back dispute submitted successfully. Your case has been queued for review.
        """
        error = self._check_tool_given("submit_cash_back_dispute_0589")
        if error:
            return error

        args = {"user_id": user_id, "transaction_id": transaction_id}
        self._log_user_tool_call("submit_cash_back_dispute_0589", args)

        # Business logic from _handle_submit_cash_back_dispute
        dispute_id = generate_dispute_id(user_id, transaction_id)

        auto_resolve = False
        if hasattr(self.db, "task_config") and self.db.task_config.data:
            config = self.db.task_config.data.get("dispute_settings", {})
            auto_resolve = config.get("auto_resolve_disputes", False)

        if auto_resolve:
            dispute_record = {
                "dispute_id": dispute_id,
                "user_id": user_id,
                "transaction_id": transaction_id,
                "submitted_at": get_today_str(),
                "status": "RESOLVED",
                "resolution": "APPROVED",
            }
            status_msg = "Status: RESOLVED - The dispute has been reviewed and approved. The transaction rewards need to be updated."
        else:
            dispute_record = {
                "dispute_id": dispute_id,
                "user_id": user_id,
                "transaction_id": transaction_id,
                "submitted_at": get_today_str(),
                "status": "SUBMITTED",
            }
            status_msg = "Status: SUBMITTED - Your dispute has been queued for review."

        success = add_to_db("cash_back_disputes", dispute_id, dispute_record, db=self.db)

        result = f"Cash back dispute submitted successfully. Your case has been queued for review.\n\nExecuted: submit_cash_back_dispute_0589\nArguments: {json.dumps(args, indent=2)}\n"
        if success:
            result += f"Dispute ID: {dispute_id}\n{status_msg}"
        else:
            result += "Note: Dispute may have already been submitted for this transaction."

        return result

    @is_discoverable_tool(ToolType.WRITE)
    def get_referral_link(self, user_id: str, card_name: str) -> str:
        """Generate a referral link for a specific credit card to share with friends or family.

        Args:
            user_id (string): The user's unique identifier in the system (the referrer)
            card_name (string): The name of the credit card to create a referral for (e.g., 'Gold Rewards Card')

        Returns:
            Referral link generated successfully. Share this link with the person you want to refer.
        """
        error = self._check_tool_given("get_referral_link")
        if error:
            return error

        args = {"user_id": user_id, "card_name": card_name}
        self._log_user_tool_call("get_referral_link", args)

        # Business logic from _handle_get_referral_link
        referral_id = generate_referral_link_id(user_id, card_name)

        referral_record = {
            "referral_id": referral_id,
            "referrer_id": user_id,
            "referred_account_type": card_name,
            "referral_status": "NO_PROGRESS",
            "date": get_today_str(),
        }

        success = add_to_db("referrals", referral_id, referral_record, db=self.db)

        result = f"Referral link generated successfully. Share this link with the person you want to refer.\n\nExecuted: get_referral_link\nArguments: {json.dumps(args, indent=2)}\n"
        if success:
            result += f"Referral ID: {referral_id}\nReferral link: https://rhobank.com/refer/{referral_id}"
        else:
            result += "Note: A referral link for this card may have already been generated."

        return result

    @is_discoverable_tool(ToolType.READ)
    def get_card_last_4_digits(self, credit_card_account_id: str) -> str:
        """Look up the last 4 digits of a credit card number.

        Args:
            credit_card_account_id (string): The credit card account ID to look up (e.g., 'cc_76ad9cc60e_gold')

        Returns:
            Card information retrieved successfully.
        """
        error = self._check_tool_given("get_card_last_4_digits")
        if error:
            return error

        args = {"credit_card_account_id": credit_card_account_id}
        self._log_user_tool_call("get_card_last_4_digits", args)

        # Business logic from _handle_get_card_last_4_digits
        result = query_database_tool(
            "credit_card_accounts",
            f'{{"account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        if "No results found" in result or "No records found" in result:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        import hashlib

        hash_input = f"card_last4:{credit_card_account_id}"
        hash_digest = hashlib.sha256(hash_input.encode()).hexdigest()
        last_4 = ""
        for char in hash_digest:
            if char.isdigit():
                last_4 += char
                if len(last_4) == 4:
                    break
        last_4 = last_4.ljust(4, "0")

        return f"Card information retrieved successfully.\n\nExecuted: get_card_last_4_digits\nArguments: {json.dumps(args, indent=2)}\nLast 4 digits of card: {last_4}"

    @is_discoverable_tool(ToolType.WRITE)
    def deposit_check_3847(self, account_id: str, check_amount: float) -> str:
        """Deposit a check into a checking or savings account. The user takes a photo of the check and submits it through their mobile banking app.

        Args:
            account_id (string): The bank account ID to deposit the check into
            check_amount (number): The amount of the check in USD

        Returns:
            Check deposited successfully. Funds will be available according to your account's deposit policy.
        """
        error = self._check_tool_given("deposit_check_3847")
        if error:
            return error

        args = {"account_id": account_id, "check_amount": check_amount}
        self._log_user_tool_call("deposit_check_3847", args)

        # Business logic from _handle_deposit_check
        try:
            check_amount = float(check_amount)
        except (ValueError, TypeError):
            return f"Error: Invalid check amount '{check_amount}'. Must be a number."

        if check_amount <= 0:
            return "Error: Check amount must be positive."

        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]

        if account.get("status") not in ("ACTIVE", "OPEN"):
            return f"Error: Account '{account_id}' is not active."

        def parse_balance(val: Any) -> float:
            if isinstance(val, (int, float)):
                return float(val)
            if isinstance(val, str):
                return float(val.replace("$", "").replace(",", ""))
            return 0.0

        current_balance = parse_balance(account.get("current_holdings", account.get("balance", 0)))
        new_balance = current_balance + check_amount

        self.db.accounts.data[account_id]["current_holdings"] = f"${new_balance:.2f}"

        return (
            f"Check deposited successfully. Funds will be available according to your account's deposit policy.\n\n"
            f"Executed: deposit_check_3847\n"
            f"Arguments: {json.dumps(args, indent=2)}\n"
            f"Check deposit processed!\n"
            f"  - Account: {account_id}\n"
            f"  - Check Amount: ${check_amount:.2f}\n"
            f"  - Previous Balance: ${current_balance:.2f}\n"
            f"  - New Balance: ${new_balance:.2f}"
        )

    # Reward rates dictionary based on profile.json
    # Maps credit card type -> {category -> reward_percentage}
    # "default" key is used when category doesn't have a special rate
    CREDIT_CARD_REWARDS = {
        # Personal Credit Cards
        "Bronze Rewards Card": {
            "default": 1.0  # 1% on all purchases
        },
        "Silver Rewards Card": {
            "Travel": 4.0,  # 4% on travel
            "Software": 4.0,  # 4% on software
            "default": 1.0,  # 1% on other purchases
        },
        "Gold Rewards Card": {
            "default": 2.5  # 2.5% on all purchases
        },
        "Platinum Rewards Card": {
            "default": 10.0  # 10% on all purchases
        },
        # Business Credit Cards
        "Business Bronze Rewards Card": {
            "default": 1.0  # 1% on all purchases
        },
        "Business Silver Rewards Card": {
            "Travel": 10.0,  # 10% on travel
            "Software": 10.0,  # 10% on software
            "default": 1.0,  # 1% on other purchases
        },
        "Green Rewards Card": {
            "Sustainable": 3.0,  # 3% on sustainable/eco-friendly merchants
            "default": 1.0,  # 1% on other purchases
        },
        "Business Gold Rewards Card": {
            "Operations": 2.5,  # 2.5% on operations spending
            "default": 1.0,  # 1% on other purchases
        },
        "Business Platinum Rewards Card": {
            "Travel": 4.0,  # 4% on travel
            "Software": 4.0,  # 4% on software
            "Media": 4.0,  # 4% on media advertising
            "default": 1.5,  # 1.5% on other purchases
        },
        "Silver Zoom Card": {
            "Transportation": 3.0,  # 3% on transportation/logistics
            "default": 1.0,  # 1% on other purchases
        },
        "Diamond Elite Card": {
            "default": 5.0  # 5% on all purchases (invitation-only)
        },
        # EcoCard uses points (5 pts/$ green, 1 pt/$ other) at $0.01/pt conversion
        # Effective rates: 5% green, 1% other
        "EcoCard": {
            "Green": 5.0,  # 5 pts × $0.01 = 5% equivalent on green purchases
            "default": 1.0,  # 1 pt × $0.01 = 1% equivalent on other purchases
        },
        "Crypto-Cash Back": {
            "default": 2.0  # 2% on all purchases (redeemable to crypto wallet)
        },
    }

    @is_tool(ToolType.WRITE)
    def submit_transaction(
        self,
        user_id: str,
        credit_card_type: str,
        merchant_name: str,
        amount: float,
        category: str,
    ) -> str:
        """Submit a credit card transaction.

        Args:
            user_id: Your user ID
            credit_card_type: Type of credit card used (e.g., "Bronze Rewards Card", "Gold Rewards Card")
            merchant_name: Name of the merchant where the purchase was made
            amount: Transaction amount in USD (e.g., 127.43)
            category: Transaction category (e.g., "Groceries", "Dining", "Travel", "Software", "Entertainment", "Utilities", "Shopping")
        """
        # Validate credit card type
        if credit_card_type not in self.CREDIT_CARD_REWARDS:
            available_cards = list(self.CREDIT_CARD_REWARDS.keys())
            return f"Error: Unknown credit card type '{credit_card_type}'. Available types: {available_cards}"

        # Generate a deterministic transaction ID
        transaction_id = generate_transaction_id(user_id, credit_card_type, merchant_name, amount, category)

        # Get today's date in MM/DD/YYYY format
        today = get_today_str()

        # Calculate rewards based on credit card type and category
        card_rewards = self.CREDIT_CARD_REWARDS[credit_card_type]
        reward_rate = card_rewards.get(category, card_rewards["default"])

        # Calculate points earned (1 point = 1 cent of cashback)
        # reward_rate is percentage, so 1% means 1 point per dollar
        points_earned = int(amount * reward_rate)

        # Create the transaction record
        record = {
            "transaction_id": transaction_id,
            "user_id": user_id,
            "credit_card_type": credit_card_type,
            "merchant_name": merchant_name,
            "transaction_amount": f"${amount:.2f}",
            "transaction_date": today,
            "category": category,
            "status": "COMPLETED",
            "rewards_earned": f"{points_earned} points",
        }

        # Add to the credit_card_transaction_history table
        success = add_to_db("credit_card_transaction_history", transaction_id, record, db=self.db)

        if not success:
            return f"Failed to submit transaction: Record ID '{transaction_id}' may already exist."

        return (
            f"Transaction submitted successfully!\n"
            f"  - Transaction ID: {transaction_id}\n"
            f"  - User ID: {user_id}\n"
            f"  - Card Type: {credit_card_type}\n"
            f"  - Merchant: {merchant_name}\n"
            f"  - Amount: ${amount:.2f}\n"
            f"  - Category: {category}\n"
            f"  - Date: {today}\n"
            f"  - Rewards Earned: {points_earned} points ({reward_rate}% cashback rate)\n"
        )
