"""τ²'s banking_knowledge agent tools (discoverable): freezing debit cards, fraud alerts and PINs.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows), split by theme into mixins
of `KnowledgeTools` (Sparring keeps files under 400 lines).
"""

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.discoverable import (
    DiscoverableToolKit,
    ToolType,
    is_discoverable_tool,
)
from sparring.importers.tau2_banking.helpers import (
    _validate_pin,
)
from sparring.importers.tau2_banking.utils import (
    get_today_str,
)


class DebitSecurityTools(DiscoverableToolKit):
    """Freezing debit cards, fraud alerts and PINs."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def freeze_debit_card_3892(self, card_id: str) -> str:
        """Temporarily freeze a debit card. The card can be unfrozen later.

        Args:
            card_id (string): The debit card ID to freeze

        Returns:
            Debit card frozen successfully.
        """
        if not card_id:
            return "Error: Missing required parameter: card_id."

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Check card status - can only freeze ACTIVE cards
        if card.get("status") == "FROZEN":
            return f"Error: Debit card '{card_id}' is already frozen."

        if card.get("status") != "ACTIVE":
            return f"Error: Debit card '{card_id}' cannot be frozen. Current status: {card.get('status')}. Only ACTIVE cards can be frozen."

        # Freeze the card
        card["status"] = "FROZEN"
        card["frozen_date"] = get_today_str()

        result_parts = [
            "Debit Card Frozen Successfully",
            f"Card ID: {card_id}",
            "Status: FROZEN",
            f"Frozen Date: {get_today_str()}",
            "",
            "While frozen:",
            "- All new purchase transactions will be declined",
            "- Recurring payments and subscriptions will be declined",
            "- Pending transactions already authorized may still process",
            "",
            "To unfreeze, the customer can call customer service or use the mobile app.",
            "If the card is confirmed lost or stolen, recommend closing the card permanently instead.",
        ]

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def unfreeze_debit_card_3893(self, card_id: str) -> str:
        """Unfreeze a previously frozen debit card.

        Args:
            card_id (string): The debit card ID to unfreeze

        Returns:
            Debit card unfrozen successfully.
        """
        if not card_id:
            return "Error: Missing required parameter: card_id."

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        if card.get("status") == "ACTIVE":
            return f"Error: Debit card '{card_id}' is already active."

        if card.get("status") != "FROZEN":
            return f"Error: Debit card '{card_id}' cannot be unfrozen. Current status: {card.get('status')}. Only FROZEN cards can be unfrozen."

        # Verify the linked account is still open
        account_id = card.get("account_id")
        if account_id and account_id in self.db.accounts.data:
            account = self.db.accounts.data[account_id]
            if account.get("status") != "OPEN":
                return f"Error: The linked checking account '{account_id}' is no longer open. Card cannot be unfrozen."

        # Unfreeze the card
        card["status"] = "ACTIVE"
        card["unfrozen_date"] = get_today_str()

        result_parts = [
            "Debit Card Unfrozen Successfully",
            f"Card ID: {card_id}",
            "Status: ACTIVE",
            f"Unfrozen Date: {get_today_str()}",
            "",
            "The card is now active and ready to use immediately.",
            "All transactions will process normally.",
        ]

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def clear_debit_card_fraud_alert_4892(self, card_id: str, reason: str) -> str:
        """Clear a fraud alert or velocity block on a debit card.

        Args:
            card_id (string): The debit card ID to clear the alert/block for
            reason (string): Reason for clearing: 'customer_verified' (for fraud alerts after customer verification) or 'velocity_clear' (for velocity blocks after identity verification)

        Returns:
            Fraud alert/velocity block cleared successfully.
        """
        if not card_id:
            return "Error: Missing required parameter: card_id."

        if not reason:
            return "Error: Missing required parameter: reason."

        valid_reasons = ["customer_verified", "velocity_clear"]
        if reason not in valid_reasons:
            return f"Error: Invalid reason '{reason}'. Must be one of: {', '.join(valid_reasons)}"

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Handle velocity block clear
        if reason == "velocity_clear":
            if not card.get("velocity_blocked", False):
                return f"Error: Debit card '{card_id}' does not have an active velocity block."

            card["velocity_blocked"] = False
            card["velocity_cleared_date"] = get_today_str()

            result_parts = [
                "Velocity Block Cleared Successfully",
                f"Card ID: {card_id}",
                f"Cleared Date: {get_today_str()}",
                "",
                "The card is now unblocked and ready for normal use.",
                "The velocity monitoring will continue - if the same unusual patterns recur,",
                "the card may be blocked again automatically.",
            ]
            return "\n".join(result_parts)

        # Handle fraud alert clear (customer_verified)
        if reason == "customer_verified":
            if not card.get("fraud_alert_active", False):
                return f"Error: Debit card '{card_id}' does not have an active fraud alert."

            # Check if bank-initiated - cannot clear those
            alert_source = card.get("alert_source")
            if alert_source == "bank_initiated":
                return "Error: BANK_INITIATED_ALERT - This fraud alert was initiated by the bank's fraud detection system and cannot be cleared by customer service agents. Please transfer the customer to the security team using transfer_to_human_agents."

            # Clear the fraud alert
            card["fraud_alert_active"] = False
            card["alert_source"] = None
            card["fraud_alert_cleared_date"] = get_today_str()

            result_parts = [
                "Fraud Alert Cleared Successfully",
                f"Card ID: {card_id}",
                f"Cleared Date: {get_today_str()}",
                "",
                "The fraud alert has been removed from the card.",
                "All transactions will process normally.",
                "",
                "Remind the customer to review recent transactions and report any unauthorized charges.",
            ]
            return "\n".join(result_parts)

        return "Error: Unexpected error processing the request."

    @is_discoverable_tool(ToolType.WRITE)
    def reset_debit_card_pin_6284(
        self,
        card_id: str,
        last_4_digits: str,
        new_pin: str,
    ) -> str:
        """Reset a debit card PIN when the customer has forgotten it.

        Args:
            card_id (string): The debit card ID to reset PIN for
            last_4_digits (string): Last 4 digits of the card number (for verification)
            new_pin (string): The new 4-digit PIN chosen by the customer

        Returns:
            Debit card PIN reset successfully.
        """
        if not all([card_id, last_4_digits, new_pin]):
            return "Error: Missing required parameters. Required: card_id, last_4_digits, new_pin."

        # Validate last 4 digits format
        if not last_4_digits.isdigit() or len(last_4_digits) != 4:
            return "Error: Last 4 digits must be exactly 4 digits."

        pin_error = _validate_pin(new_pin)
        if pin_error:
            return f"Error: {pin_error}"

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Verify last 4 digits match
        if card.get("last_4_digits") != last_4_digits:
            return "Error: Card verification failed. The last 4 digits do not match our records."

        # Check card status - can only reset PIN on ACTIVE cards
        if card.get("status") != "ACTIVE":
            return f"Error: Cannot reset PIN. Card status is {card.get('status')}. Only ACTIVE cards can have their PIN reset."

        # Reset the PIN and unlock the card
        card["pin_last_changed"] = get_today_str()
        card["pin_locked"] = False
        card["pin_attempts_remaining"] = 3

        result_parts = [
            "Debit Card PIN Reset Successfully",
            f"Card ID: {card_id}",
            f"PIN Changed: {get_today_str()}",
            "",
            "The new PIN is effective immediately.",
            "Your card has been unlocked and is ready to use.",
            "Customer can use the new PIN for ATM withdrawals and point-of-sale transactions.",
            "",
            "Security reminder: Never share your PIN with anyone.",
        ]

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def change_debit_card_pin_6285(
        self,
        card_id: str,
        current_pin: str,
        new_pin: str,
    ) -> str:
        """Change a debit card PIN when the customer knows their current PIN.

        Args:
            card_id (string): The debit card ID to change PIN for
            current_pin (string): The customer's current 4-digit PIN
            new_pin (string): The new 4-digit PIN chosen by the customer

        Returns:
            Debit card PIN changed successfully.
        """
        if not all([card_id, current_pin, new_pin]):
            return "Error: Missing required parameters. Required: card_id, current_pin, new_pin."

        # Validate current PIN format
        if not current_pin.isdigit() or len(current_pin) != 4:
            return "Error: Current PIN must be exactly 4 digits."

        pin_error = _validate_pin(new_pin)
        if pin_error:
            return f"Error: {pin_error}"

        # Check that new PIN is different from current
        if current_pin == new_pin:
            return "Error: New PIN must be different from current PIN."

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Check card status - can only change PIN on ACTIVE cards
        if card.get("status") != "ACTIVE":
            return f"Error: Cannot change PIN. Card status is {card.get('status')}. Only ACTIVE cards can have their PIN changed."

        # Change the PIN
        card["pin_last_changed"] = get_today_str()

        result_parts = [
            "Debit Card PIN Changed Successfully",
            f"Card ID: {card_id}",
            f"PIN Changed: {get_today_str()}",
            "",
            "The new PIN is effective immediately.",
            "Customer can use the new PIN for ATM withdrawals and point-of-sale transactions.",
            "",
            "Security reminder: Never share your PIN with anyone.",
        ]

        return "\n".join(result_parts)
