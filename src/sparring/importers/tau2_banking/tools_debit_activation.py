"""τ²'s banking_knowledge agent tools (discoverable): activating replacement debit cards and closing a debit card.

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
    _validate_activation_common,
)
from sparring.importers.tau2_banking.utils import (
    get_today_str,
)


class DebitActivationTools(DiscoverableToolKit):
    """Activating replacement debit cards and closing a debit card."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def activate_debit_card_8292(
        self,
        card_id: str,
        last_4_digits: str,
        expiration_date: str,
        cvv: str,
        pin: str,
    ) -> str:
        """Activate a REPLACEMENT debit card. Use ONLY for cards replacing lost, stolen, or fraud-suspected cards (issue_reason = 'lost', 'stolen', or 'fraud'). For new or reissued cards, use the appropriate variant.

        Args:
            card_id (string): The debit card ID to activate
            last_4_digits (string): Last 4 digits of the card number (for verification)
            expiration_date (string): Card expiration date in MM/YY format
            cvv (string): 3-digit CVV from the back of the card
            pin (string): 4-digit PIN chosen by the customer

        Returns:
            Replacement debit card activated successfully.
        """
        args = {
            "card_id": card_id,
            "last_4_digits": last_4_digits,
            "expiration_date": expiration_date,
            "cvv": cvv,
            "pin": pin,
        }

        error, card = _validate_activation_common(
            args, self.db, ["lost", "stolen", "fraud"], "activate_debit_card_8292"
        )
        if error:
            return error

        account_id = card.get("account_id")
        issue_reason = card.get("issue_reason", "lost")

        # Activate the card
        card["status"] = "ACTIVE"
        card["activated_date"] = get_today_str()

        # Deactivate any other active cards for the same account (immediately for security)
        deactivated_cards = []
        for other_card_id, other_card in self.db.debit_cards.data.items():
            if (
                other_card_id != card_id
                and other_card.get("account_id") == account_id
                and other_card.get("status") == "ACTIVE"
            ):
                other_card["status"] = "DEACTIVATED"
                other_card["deactivated_date"] = get_today_str()
                other_card["deactivation_reason"] = f"Replacement card activated ({issue_reason})"
                deactivated_cards.append(other_card_id)

        result_parts = [
            "Replacement Debit Card Activation Successful",
            f"Card ID: {card_id}",
            f"Replacement Reason: {issue_reason.replace('_', ' ').title()}",
            "Status: ACTIVE",
            f"Activation Date: {get_today_str()}",
            "",
            "Your replacement card is now ready to use.",
            "",
            "IMPORTANT SECURITY REMINDERS:",
            "- Please review your recent transactions for any unauthorized charges",
            "- Report any suspicious activity immediately",
        ]

        if issue_reason == "fraud":
            result_parts.append("- Since fraud was suspected, we recommend changing your online banking password")

        if deactivated_cards:
            result_parts.append(
                f"\nPrevious card(s) have been deactivated for security: {', '.join(deactivated_cards)}"
            )

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def activate_debit_card_8293(
        self,
        card_id: str,
        last_4_digits: str,
        expiration_date: str,
        cvv: str,
        pin: str,
    ) -> str:
        """Activate a REISSUED debit card. Use ONLY for cards reissued due to expiration, damage, design upgrade, or bank-initiated replacement (issue_reason = 'expired', 'damaged', 'upgrade', or 'bank_reissue'). For new or replacement cards, use the appropriate variant.

        Args:
            card_id (string): The debit card ID to activate
            last_4_digits (string): Last 4 digits of the card number (for verification)
            expiration_date (string): Card expiration date in MM/YY format
            cvv (string): 3-digit CVV from the back of the card
            pin (string): 4-digit PIN chosen by the customer

        Returns:
            Reissued debit card activated successfully.
        """
        args = {
            "card_id": card_id,
            "last_4_digits": last_4_digits,
            "expiration_date": expiration_date,
            "cvv": cvv,
            "pin": pin,
        }

        error, card = _validate_activation_common(
            args,
            self.db,
            ["expired", "damaged", "upgrade", "bank_reissue"],
            "activate_debit_card_8293",
        )
        if error:
            return error

        account_id = card.get("account_id")
        issue_reason = card.get("issue_reason", "expired")

        # Activate the card
        card["status"] = "ACTIVE"
        card["activated_date"] = get_today_str()

        # For reissued cards, old card has 24-hour grace period
        old_cards_with_grace = []
        for other_card_id, other_card in self.db.debit_cards.data.items():
            if (
                other_card_id != card_id
                and other_card.get("account_id") == account_id
                and other_card.get("status") == "ACTIVE"
            ):
                other_card["status"] = "GRACE_PERIOD"
                other_card["grace_period_ends"] = get_today_str()
                other_card["deactivation_reason"] = f"Reissued card activated ({issue_reason})"
                old_cards_with_grace.append(other_card_id)

        result_parts = [
            "Reissued Debit Card Activation Successful",
            f"Card ID: {card_id}",
            f"Reissue Reason: {issue_reason.replace('_', ' ').title()}",
            "Status: ACTIVE",
            f"Activation Date: {get_today_str()}",
            "",
            "Your reissued card is now ready to use.",
        ]

        if old_cards_with_grace:
            result_parts.append(
                f"\nNote: Your previous card(s) ({', '.join(old_cards_with_grace)}) will remain active for 24 hours as a grace period."
            )
            result_parts.append("After 24 hours, the old card(s) will be automatically deactivated.")

        if issue_reason in ["expired", "bank_reissue"]:
            result_parts.append(
                "\nReminder: If your card number changed, please update any recurring payments with your new card details."
            )

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def close_debit_card_4721(self, card_id: str, reason: str) -> str:
        """Close or cancel a debit card permanently.

        Args:
            card_id (string): The debit card ID to close
            reason (string): Reason for closing: lost, stolen, fraud_suspected, damaged, no_longer_needed, or account_closing

        Returns:
            Debit card closed successfully.
        """
        if not card_id or not reason:
            return "Error: Missing required parameters. Required: card_id, reason."

        valid_reasons = [
            "lost",
            "stolen",
            "fraud_suspected",
            "damaged",
            "no_longer_needed",
            "account_closing",
        ]
        if reason.lower() not in valid_reasons:
            return f"Error: Invalid reason. Must be one of: {valid_reasons}"
        reason = reason.lower()

        if card_id not in self.db.debit_cards.data:
            return f"Error: Debit card '{card_id}' not found."

        card = self.db.debit_cards.data[card_id]

        # Check card status - can only close ACTIVE or PENDING cards
        if card.get("status") not in ["ACTIVE", "PENDING"]:
            return f"Error: Debit card '{card_id}' cannot be closed. Current status: {card.get('status')}. Only ACTIVE or PENDING cards can be closed."

        previous_status = card.get("status")

        # Close the card
        card["status"] = "CLOSED"
        card["closed_date"] = get_today_str()
        card["closure_reason"] = reason

        result_parts = [
            "Debit Card Closed Successfully",
            f"Card ID: {card_id}",
            f"Previous Status: {previous_status}",
            "New Status: CLOSED",
            f"Closure Reason: {reason.replace('_', ' ').title()}",
            f"Closure Date: {get_today_str()}",
            "",
        ]

        if reason in ["lost", "stolen", "fraud_suspected"]:
            result_parts.append("IMPORTANT: This card has been immediately deactivated for security.")
            result_parts.append("Any pending transactions may still be processed.")
            if reason == "fraud_suspected":
                result_parts.append(
                    "Please advise the customer to review recent transactions and file disputes for any unauthorized charges."
                )
                result_parts.append("Also recommend changing their online banking password.")

        result_parts.append("")
        result_parts.append(
            "Note: This card cannot be reactivated. If the customer needs a new card, they can order one through the standard ordering process."
        )
        result_parts.append(
            "Any recurring payments linked to this card will need to be updated with new payment information."
        )

        return "\n".join(result_parts)
