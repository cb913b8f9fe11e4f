"""τ²'s banking_knowledge agent tools (discoverable): debit card disputes (Regulation E), recurring blocks and dispute
status.

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
from sparring.importers.tau2_banking.utils import (
    generate_dispute_id,
    get_today_str,
)


class DebitDisputeTools(DiscoverableToolKit):
    """Debit card disputes (Regulation E), recurring blocks and dispute status."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def file_debit_card_transaction_dispute_6281(
        self,
        transaction_id: str,
        account_id: str,
        card_id: str,
        user_id: str,
        dispute_category: str,
        transaction_date: str,
        discovery_date: str,
        disputed_amount: float,
        transaction_type: str,
        card_in_possession: bool,
        pin_compromised: str,
        contacted_merchant: bool,
        police_report_filed: bool,
        written_statement_provided: bool,
        provisional_credit_eligible: bool,
        customer_max_liability_amount: float,
        card_action: str,
    ) -> str:
        """File a formal dispute for a debit card transaction under Regulation E. Debit card disputes affect actual bank funds and have different liability rules based on reporting timing.

        Args:
            transaction_id (string): The unique identifier for the transaction being disputed
            account_id (string): The checking account ID linked to the debit card
            card_id (string): The debit card ID
            user_id (string): The user's unique identifier in the system
            dispute_category (string): Category of the dispute. Must be one of: 'unauthorized_transaction', 'atm_cash_discrepancy', 'atm_deposit_not_credited', 'duplicate_charge', 'incorrect_amount', 'goods_services_not_received', 'recurring_charge_after_cancellation', 'card_present_fraud', 'card_not_present_fraud'
            transaction_date (string): Date when the transaction occurred, format MM/DD/YYYY
            discovery_date (string): Date when the user first noticed the issue, format MM/DD/YYYY
            disputed_amount (number): The dollar amount being disputed
            transaction_type (string): Type of transaction. Must be one of: 'pin_purchase', 'signature_purchase', 'online_purchase', 'atm_withdrawal', 'atm_deposit', 'recurring_payment', 'person_to_person'
            card_in_possession (boolean): Whether the customer still has their physical debit card in their possession
            pin_compromised (string): Whether the customer's PIN may have been compromised. Must be one of: 'yes_shared', 'yes_observed', 'no', 'unknown'
            contacted_merchant (boolean): Whether the user attempted to resolve the issue with the merchant first
            police_report_filed (boolean): Whether a police report has been filed (recommended for fraud over $500)
            written_statement_provided (boolean): Whether the customer has provided a written statement describing what happened (required for Reg E provisional credit)
            provisional_credit_eligible (boolean): Whether the user is eligible for provisional credit based on Debit Card Provisional Credit Guidelines
            customer_max_liability_amount (number): The maximum dollar amount the customer could be liable for based on Regulation E reporting timing rules and the disputed amount. Use -1 for unlimited liability.
            card_action (string): Action to take on the card. Must be one of: 'keep_active', 'freeze_pending_investigation', 'close_and_reissue'

        Returns:
            Debit card transaction dispute filed successfully. A case has been opened and provisional credit determination has been recorded.
        """
        if not all(
            [
                transaction_id,
                account_id,
                card_id,
                user_id,
                dispute_category,
                transaction_date,
                discovery_date,
                disputed_amount,
                transaction_type,
                pin_compromised,
                card_action,
            ]
        ):
            return "Error: Missing required parameters."

        if customer_max_liability_amount is None:
            return "Error: customer_max_liability_amount is required."

        if (
            card_in_possession is None
            or contacted_merchant is None
            or police_report_filed is None
            or written_statement_provided is None
        ):
            return "Error: card_in_possession, contacted_merchant, police_report_filed, and written_statement_provided are required boolean fields."

        # Validate dispute_category
        valid_categories = [
            "unauthorized_transaction",
            "atm_cash_discrepancy",
            "atm_deposit_not_credited",
            "duplicate_charge",
            "incorrect_amount",
            "goods_services_not_received",
            "recurring_charge_after_cancellation",
            "card_present_fraud",
            "card_not_present_fraud",
        ]
        if dispute_category not in valid_categories:
            return f"Error: Invalid dispute_category. Must be one of: {valid_categories}"

        # Validate transaction_type
        valid_transaction_types = [
            "pin_purchase",
            "signature_purchase",
            "online_purchase",
            "atm_withdrawal",
            "atm_deposit",
            "recurring_payment",
            "person_to_person",
        ]
        if transaction_type not in valid_transaction_types:
            return f"Error: Invalid transaction_type. Must be one of: {valid_transaction_types}"

        # Validate pin_compromised
        valid_pin_statuses = ["yes_shared", "yes_observed", "no", "unknown"]
        if pin_compromised not in valid_pin_statuses:
            return f"Error: Invalid pin_compromised. Must be one of: {valid_pin_statuses}"

        # Validate card_action
        valid_card_actions = [
            "keep_active",
            "freeze_pending_investigation",
            "close_and_reissue",
        ]
        if card_action not in valid_card_actions:
            return f"Error: Invalid card_action. Must be one of: {valid_card_actions}"

        # Validate disputed_amount is positive
        if disputed_amount <= 0:
            return "Error: disputed_amount must be a positive number."

        # Generate a deterministic dispute ID
        dispute_id = generate_dispute_id(user_id, transaction_id)

        # Determine fraud-related fields
        is_fraud_category = dispute_category in [
            "unauthorized_transaction",
            "card_present_fraud",
            "card_not_present_fraud",
        ]
        pin_shared_voluntarily = pin_compromised == "yes_shared"

        # Create the debit card dispute record
        dispute_record = {
            "dispute_id": dispute_id,
            "transaction_id": transaction_id,
            "account_id": account_id,
            "card_id": card_id,
            "user_id": user_id,
            "dispute_category": dispute_category,
            "transaction_date": transaction_date,
            "discovery_date": discovery_date,
            "disputed_amount": disputed_amount,
            "transaction_type": transaction_type,
            "card_in_possession": card_in_possession,
            "pin_compromised": pin_compromised,
            "contacted_merchant": contacted_merchant,
            "police_report_filed": police_report_filed,
            "written_statement_provided": written_statement_provided,
            "provisional_credit_eligible": provisional_credit_eligible,
            "provisional_credit_issued": provisional_credit_eligible,
            "provisional_credit_amount": disputed_amount if provisional_credit_eligible else None,
            "customer_max_liability_amount": customer_max_liability_amount,
            "card_action": card_action,
            "is_fraud_category": is_fraud_category,
            "pin_shared_voluntarily": pin_shared_voluntarily,
            "submitted_at": get_today_str(),
            "status": "OPEN",
        }

        # Add to the debit_card_disputes table
        success = add_to_db("debit_card_disputes", dispute_id, dispute_record, db=self.db)

        if not success:
            return "Error: Dispute may have already been filed for this transaction."

        # Build response
        result_parts = [
            f"Dispute ID: {dispute_id}",
            f"Transaction: {transaction_id}",
            f"Account: {account_id}",
            f"Category: {dispute_category.replace('_', ' ').title()}",
            f"Disputed Amount: ${disputed_amount:.2f}",
            f"Card Action: {card_action.replace('_', ' ').title()}",
        ]

        if provisional_credit_eligible:
            result_parts.append(
                f"Provisional Credit: ISSUED - ${disputed_amount:.2f} credited within 10 business days per Regulation E."
            )
        else:
            result_parts.append(
                "Provisional Credit: Not eligible - see Debit Card Provisional Credit Guidelines for details."
            )

        if pin_shared_voluntarily:
            result_parts.append(
                "WARNING: Customer indicated PIN was shared voluntarily. This may affect liability determination."
            )

        if is_fraud_category and not police_report_filed and disputed_amount > 500:
            result_parts.append("RECOMMENDATION: For fraud disputes over $500, filing a police report is recommended.")

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def set_debit_card_recurring_block_7382(
        self,
        card_id: str,
        block_recurring: bool,
    ) -> str:
        """Block or unblock all recurring payments on a debit card. When blocked, all recurring/subscription charges will be declined. One-time purchases are not affected.

        Args:
            card_id (string): The debit card ID to update
            block_recurring (boolean): True to block all recurring payments, False to unblock/allow recurring payments

        Returns:
            Debit card recurring payment settings updated successfully.
        """
        if not card_id:
            return "Error: Missing required parameter: card_id"

        # Check if card exists
        debit_card = self.db.debit_cards.data.get(card_id)
        if not debit_card:
            return f"Error: Debit card '{card_id}' not found."

        # Check card status - can only update ACTIVE cards
        card_status = debit_card.get("status", "").upper()
        if card_status != "ACTIVE":
            return f"Error: Cannot update recurring block settings for a card with status '{card_status}'. Card must be ACTIVE."

        # Update the recurring_blocked field
        debit_card["recurring_blocked"] = block_recurring

        if block_recurring:
            return (
                f"Recurring payments BLOCKED for debit card {card_id}.\n"
                f"All recurring/subscription charges will be declined.\n"
                f"One-time purchases are not affected.\n"
                f"This change takes effect within 24 hours."
            )
        else:
            return (
                f"Recurring payments UNBLOCKED for debit card {card_id}.\n"
                f"Recurring/subscription charges will now be allowed.\n"
                f"This change takes effect within 24 hours."
            )

    @is_discoverable_tool(ToolType.READ)
    def get_debit_dispute_status_7483(self, user_id: str) -> str:
        """Retrieve a user's debit card dispute history from the debit_card_disputes table. Returns all debit card disputes filed by the user, including dispute IDs, categories, amounts, statuses, and provisional credit information.

        Args:
            user_id (string): The user's unique identifier in the system

        Returns:
            Debit card dispute history retrieved successfully.
        """
        if not user_id:
            return "Error: Missing required parameter: user_id"

        debit_disputes_result = query_database_tool("debit_card_disputes", f'{{"user_id": "{user_id}"}}', db=self.db)

        result_parts = [
            "Debit card dispute history retrieved successfully.",
            "",
            "Executed: get_debit_dispute_status_7483",
            f"Debit card dispute history for user {user_id}:",
        ]

        has_disputes = (
            "No records found" not in debit_disputes_result and "No results found" not in debit_disputes_result
        )

        if has_disputes:
            result_parts.append(debit_disputes_result)
        else:
            result_parts.append("\nNo debit card disputes found for this user.")

        return "\n".join(result_parts)
