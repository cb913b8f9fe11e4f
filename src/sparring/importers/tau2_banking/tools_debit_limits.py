"""τ²'s banking_knowledge agent tools (discoverable): listing an account's debit cards and temporary debit limit
increases.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

import json

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.utils import (
    get_today_str,
)


class DebitLimitTools(DiscoverableToolKit):
    """Listing an account's debit cards and temporary debit limit increases."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.READ)
    def get_debit_cards_by_account_id_7823(self, account_id: str) -> str:
        """Retrieve all debit cards associated with a checking account. Returns card details including status, issue reason, and expiration date.

        Args:
            account_id (string): The checking account ID to retrieve debit cards for

        Returns:
            Debit cards retrieved successfully.
        """
        if not account_id:
            return "Error: Missing required parameter 'account_id'."

        # Verify the account exists and is a checking account
        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]
        account_class = account.get("class", "").lower()
        if account_class not in ["checking", "business_checking"]:
            return f"Error: Account '{account_id}' is not a checking account. Debit cards are only available for checking accounts."

        # Find all debit cards for this account
        account_cards = []
        for card_id, card in self.db.debit_cards.data.items():
            if card.get("account_id") == account_id:
                card_info = {"card_id": card_id}
                card_info.update(card)

                # Normalize field names for consistency
                if "last_4_digits" in card_info and "card_number_last_4" not in card_info:
                    card_info["card_number_last_4"] = card_info.pop("last_4_digits")
                if "issue_date" in card_info and "date_issued" not in card_info:
                    card_info["date_issued"] = card_info.pop("issue_date")
                elif "created_date" in card_info and "date_issued" not in card_info:
                    card_info["date_issued"] = card_info.pop("created_date")

                account_cards.append(card_info)

        if not account_cards:
            return f"No debit cards found for account '{account_id}'."

        # Sort by date issued (most recent first)
        account_cards.sort(key=lambda x: x.get("date_issued") or "", reverse=True)

        return json.dumps(account_cards, indent=2)

    @is_discoverable_tool(ToolType.WRITE)
    def request_temporary_debit_card_limit_increase_8374(
        self,
        card_id: str,
        limit_type: str,
        new_limit: int,
    ) -> str:
        """Request a temporary 24-hour increase to a debit card's daily ATM or purchase limit.

        Args:
            card_id (string): The debit card ID to increase limits for
            limit_type (string): Type of limit to increase: 'atm' for daily ATM withdrawal limit, 'purchase' for daily purchase limit
            new_limit (integer): The requested new temporary limit amount in dollars

        Returns:
            Temporary limit increase granted successfully.
        """
        from datetime import datetime

        if not card_id:
            return "Error: Missing required parameter: card_id."

        if not limit_type:
            return "Error: Missing required parameter: limit_type."

        if limit_type not in ["atm", "purchase"]:
            return f"Error: Invalid limit_type '{limit_type}'. Must be 'atm' or 'purchase'."

        if new_limit is None:
            return "Error: Missing required parameter: new_limit."

        # Reject fractional values rather than truncating them to the
        # documented integer type.
        try:
            new_limit = float(new_limit)
        except (ValueError, TypeError):
            return f"Error: new_limit must be an integer, got '{new_limit}'."
        if not new_limit.is_integer():
            return f"Error: new_limit must be an integer, got '{new_limit}'."
        new_limit = int(new_limit)

        if new_limit <= 0:
            return "Error: new_limit must be a positive amount."

        # Verify the card exists
        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Check card status - must be ACTIVE
        if card.get("status") != "ACTIVE":
            return f"Error: Debit card '{card_id}' is not active. Current status: {card.get('status')}. Only ACTIVE cards can have limit increases."

        # Get the linked account
        account_id = card.get("account_id")
        if not account_id or account_id not in self.db.accounts.data:
            return f"Error: Could not find linked account for debit card '{card_id}'."

        account = self.db.accounts.data[account_id]

        # Check account status
        if account.get("status") != "OPEN":
            return f"Error: The linked account '{account_id}' is not in good standing. Account status: {account.get('status')}."

        # Check account age (must be at least 60 days old)
        date_opened_str = account.get("date_opened")
        if date_opened_str:
            try:
                date_opened = datetime.strptime(date_opened_str, "%m/%d/%Y")
                today = datetime.strptime(get_today_str(), "%m/%d/%Y")
                account_age_days = (today - date_opened).days
                if account_age_days < 60:
                    return f"Error: Account must be at least 60 days old for a temporary limit increase. Account age: {account_age_days} days."
            except ValueError:
                pass

        # Get current limit based on limit_type
        if limit_type == "atm":
            current_limit = card.get("daily_atm_limit")
            limit_field = "daily_atm_limit"
            limit_name = "Daily ATM Withdrawal Limit"

            if current_limit is None:
                account_level = account.get("level", "").lower()

                default_atm_limits = {
                    "blue account": 500,
                    "green account": 600,
                    "light blue account": 400,
                    "green fee-free account": 500,
                    "evergreen account": 750,
                    "bluest account": 1500,
                    "dark green account": 300,
                    "gold years account": 600,
                    "purple account": 1000,
                }

                # Teen account (Light Green) limits cannot be modified
                if "light green" in account_level:
                    return "Error: Light Green Account (teen checking) cards have policy-based limits that cannot be modified. The daily ATM withdrawal limit of $150 is fixed by account policy for safety reasons. The customer may request the parent/guardian to withdraw cash from their own account if needed."

                current_limit = default_atm_limits.get(account_level)
                if current_limit is None:
                    return f"Error: Could not determine the default ATM limit for account type '{account.get('level')}'. Please verify the account type."
        else:  # purchase
            current_limit = card.get("daily_purchase_limit")
            limit_field = "daily_purchase_limit"
            limit_name = "Daily Purchase Limit"

        if current_limit is None:
            return f"Error: The card does not have a {limit_name.lower()} configured. This may be a restricted account type where limits are set by account policy and cannot be modified."

        # Check that new limit doesn't exceed 150% of current limit
        max_allowed = int(current_limit * 1.5)
        if new_limit > max_allowed:
            return f"Error: Requested limit ${new_limit} exceeds the maximum allowed temporary increase. Maximum temporary limit is ${max_allowed} (150% of current ${current_limit} limit)."

        # Check that new limit is actually higher than current
        if new_limit <= current_limit:
            return f"Error: Requested limit ${new_limit} is not higher than the current limit of ${current_limit}."

        # Grant the temporary increase
        original_limit = current_limit
        card[limit_field] = new_limit
        card[f"temporary_{limit_type}_limit_increase"] = True
        card[f"original_{limit_type}_limit"] = original_limit
        card[f"temporary_{limit_type}_limit_expires"] = get_today_str()

        result_parts = [
            f"Temporary {limit_name} Increase Granted Successfully",
            f"Card ID: {card_id}",
            f"Previous Limit: ${original_limit}",
            f"New Temporary Limit: ${new_limit}",
            f"Increase Amount: ${new_limit - original_limit}",
            "",
            "Important Information:",
            "- This temporary increase expires in 24 hours",
            f"- After expiration, the limit will revert to ${original_limit}",
            "- Only one temporary increase is allowed per 24-hour period",
            "",
            "Note: If the customer is at a third-party (non-Rho-Bank) ATM, that ATM may have its own",
            "per-transaction or daily limits that Rho-Bank cannot override. The customer may need to",
            "use a Rho-Bank ATM or make multiple smaller withdrawals at third-party ATMs.",
        ]

        return "\n".join(result_parts)
