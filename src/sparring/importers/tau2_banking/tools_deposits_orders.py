"""τ²'s banking_knowledge agent tools (discoverable): aTM deposit images, replacement credit cards, dispute history and
pending orders.

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
    generate_credit_card_order_id,
    get_today_str,
)


class DepositOrderTools(DiscoverableToolKit):
    """ATM deposit images, replacement credit cards, dispute history and pending orders."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.READ)
    def get_atm_deposit_images_8473(self, transaction_id: str) -> str:
        """Retrieve ATM deposit envelope/check images for a specific ATM deposit transaction.

        Args:
            transaction_id (string): The transaction ID of the ATM deposit to retrieve images for

        Returns:
            ATM deposit images retrieved successfully.
        """
        if not transaction_id:
            return "Error: Missing required parameter: transaction_id"

        # Verify the transaction exists
        if transaction_id not in self.db.bank_account_transaction_history.data:
            return f"Error: Transaction '{transaction_id}' not found."

        txn = self.db.bank_account_transaction_history.data[transaction_id]

        # Verify it's an ATM deposit transaction
        if txn.get("type") != "atm_deposit":
            return f"Error: Transaction '{transaction_id}' is not an ATM deposit. This tool only works for ATM deposit transactions."

        # Check if it's a Rho-Bank ATM
        description = txn.get("description", "")
        if "RHO-BANK" not in description.upper() and "RHOBANK" not in description.upper():
            return f"Error: Transaction '{transaction_id}' is from a third-party ATM. Deposit images are only available for Rho-Bank ATM deposits. For third-party ATM disputes, a chargeback request must be submitted to the ATM network."

        # Hardcoded deposit image descriptions for specific test transaction IDs
        deposit_image_data = {
            "btxn_834027370c20": {
                "atm_id": "ATM #3921",
                "deposit_date": txn.get("date", "Unknown"),
                "envelope_contents": """
=== ATM DEPOSIT ENVELOPE SCAN ===
Envelope ID: ENV-2025-3921-00923
Deposit Time: 3:47 PM CST
ATM Location: Rho-Bank ATM #3921, Cedar Lane Branch, Austin, TX

--- ENVELOPE CONTENTS ---
Item 1: Personal Check
  - Check Number: 7284
  - Drawn On: First Texas Bank
  - Payee: Derek Yamamoto
  - Amount: $875.00
  - Memo: "October rent refund"
  - Signature: Present and legible
  - Date on Check: 11/03/2025

Item 2: Cash
  - Denomination breakdown:
    * 2 x $100 bills = $200.00
    * 3 x $20 bills = $60.00
  - Total Cash: $260.00

--- DEPOSIT SUMMARY ---
Check Total: $875.00
Cash Total: $260.00
GRAND TOTAL: $1,135.00

--- MACHINE RECORD ---
Amount Recorded by ATM: $385.00
DISCREPANCY DETECTED: $750.00 difference

--- IMAGE QUALITY ---
Envelope scan: CLEAR
Check front: CLEAR
Check back (endorsement): CLEAR - endorsed "For Deposit Only - Derek Yamamoto"
Cash image: CLEAR - bills visible and countable
""",
                "verification_notes": "Images clearly show deposit contents totaling $1,135.00. ATM machine recorded only $385.00. Discrepancy of $750.00 confirmed via image review.",
            },
            "btxn_test_deposit_001": {
                "atm_id": "ATM #3921",
                "deposit_date": txn.get("date", "Unknown"),
                "envelope_contents": """
=== ATM DEPOSIT ENVELOPE SCAN ===
Envelope ID: ENV-2025-3921-00847
Deposit Time: 2:34 PM EST
ATM Location: Rho-Bank ATM #3921, 742 Oak Avenue, Portland, OR

--- ENVELOPE CONTENTS ---
Item 1: Personal Check
  - Check Number: 4821
  - Drawn On: First National Bank
  - Payee: Linda Patterson
  - Amount: $875.00
  - Memo: "October rent refund"
  - Signature: Present and legible
  - Date on Check: 11/05/2025

Item 2: Cash
  - Denomination breakdown:
    * 2 x $100 bills = $200.00
    * 3 x $20 bills = $60.00
  - Total Cash: $260.00

--- DEPOSIT SUMMARY ---
Check Total: $875.00
Cash Total: $260.00
GRAND TOTAL: $1,135.00

--- MACHINE RECORD ---
Amount Recorded by ATM: $385.00
DISCREPANCY DETECTED: $750.00 difference

--- IMAGE QUALITY ---
Envelope scan: CLEAR
Check front: CLEAR
Check back (endorsement): CLEAR - endorsed "For Deposit Only - Linda Patterson"
Cash image: CLEAR - bills visible and countable
""",
                "verification_notes": "Images clearly show deposit contents totaling $1,135.00. ATM machine recorded only $385.00. Discrepancy of $750.00 confirmed via image review.",
            },
            "btxn_test_atm_dep_partial": {
                "atm_id": "ATM #5847",
                "deposit_date": txn.get("date", "Unknown"),
                "envelope_contents": """
=== ATM DEPOSIT ENVELOPE SCAN ===
Envelope ID: ENV-2025-5847-00293
Deposit Time: 10:15 AM EST

--- ENVELOPE CONTENTS ---
Item 1: Personal Check
  - Check Number: 7392
  - Amount: $500.00

--- DEPOSIT SUMMARY ---
Check Total: $500.00
Cash Total: $0.00
GRAND TOTAL: $500.00

--- MACHINE RECORD ---
Amount Recorded by ATM: $500.00
No discrepancy detected.
""",
                "verification_notes": "Images confirm deposit matches recorded amount. No discrepancy found.",
            },
        }

        if transaction_id in deposit_image_data:
            data = deposit_image_data[transaction_id]
            result = f"""ATM Deposit Image Retrieval Results
=====================================
Transaction ID: {transaction_id}
ATM: {data["atm_id"]}
Deposit Date: {data["deposit_date"]}

{data["envelope_contents"]}

--- VERIFICATION NOTES ---
{data["verification_notes"]}
"""
            return result
        else:
            return f"""ATM Deposit Image Retrieval Results
=====================================
Transaction ID: {transaction_id}
ATM: {description}
Deposit Date: {txn.get("date", "Unknown")}
Amount Recorded: ${abs(txn.get("amount", 0)):.2f}

--- IMAGE STATUS ---
Status: IMAGES NOT AVAILABLE
Reason: Deposit images for this transaction have either expired (older than 90 days) or were not captured by the ATM system.

For deposits without available images, the dispute will proceed based on customer statement and ATM journal records only. Investigation timeline may be extended.
"""

    @is_discoverable_tool(ToolType.WRITE)
    def order_replacement_credit_card_7291(
        self,
        credit_card_account_id: str,
        user_id: str,
        shipping_address: str,
        reason: str,
        expedited_shipping: bool = False,
    ) -> str:
        """Order a replacement credit card for a customer. The old card will be automatically cancelled when the replacement is ordered.

        Args:
            credit_card_account_id (string): The credit card account ID for the card being replaced
            user_id (string): The user's unique identifier in the system
            shipping_address (string): Full shipping address where the new card should be sent
            reason (string): Reason for replacement. Must be one of: 'fraud_suspected', 'lost', 'stolen', 'damaged', 'expired', 'other'
            expedited_shipping (boolean, optional): Whether to use expedited shipping (2-3 business days instead of 7-10)

        Returns:
            Replacement credit card order placed successfully. The old card has been cancelled for security.
        """
        if not credit_card_account_id or not user_id or not shipping_address or not reason:
            return "Error: Missing required parameters (credit_card_account_id, user_id, shipping_address, reason)."

        valid_reasons = [
            "fraud_suspected",
            "lost",
            "stolen",
            "damaged",
            "expired",
            "other",
        ]
        if reason not in valid_reasons:
            return f"Error: Invalid reason. Must be one of: {valid_reasons}"

        # Verify credit card account exists
        result = query_database_tool(
            "credit_card_accounts",
            f'{{"account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        if "No results found" in result or "No records found" in result:
            return f"Error: Credit card account '{credit_card_account_id}' not found."

        # Generate order ID
        order_id = generate_credit_card_order_id(credit_card_account_id, user_id, reason)

        # Create the replacement order record
        today = get_today_str()
        order_record = {
            "order_id": order_id,
            "credit_card_account_id": credit_card_account_id,
            "user_id": user_id,
            "shipping_address": shipping_address,
            "reason": reason,
            "expedited_shipping": expedited_shipping,
            "order_date": today,
            "status": "ORDERED",
            "old_card_cancelled": True,
        }

        success = add_to_db("credit_card_orders", order_id, order_record, db=self.db)

        if not success:
            return "Error: Order may have already been placed for this card replacement."

        # Cancel the old credit card for security
        if credit_card_account_id in self.db.credit_card_accounts.data:
            self.db.credit_card_accounts.data[credit_card_account_id]["status"] = "CLOSED"
            self.db.credit_card_accounts.data[credit_card_account_id]["closed_date"] = get_today_str()

        shipping_method = "Expedited" if expedited_shipping else "Standard"
        expected_delivery = "2-3 business days" if expedited_shipping else "7-10 business days"

        result_parts = [
            f"Order ID: {order_id}",
            f"Card Account: {credit_card_account_id}",
            f"Reason: {reason.replace('_', ' ').title()}",
            f"Shipping Address: {shipping_address}",
            f"Shipping Method: {shipping_method}",
            f"Expected Delivery: {expected_delivery}",
            "",
            "The old card has been cancelled for security. The new card will have the same account number but a new card number and CVV.",
        ]

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.READ)
    def get_user_dispute_history_7291(self, user_id: str) -> str:
        """Retrieve a user's credit card transaction dispute history from the transaction_disputes table. Returns all credit card transaction disputes filed by the user, including dispute IDs, transaction IDs, dispute reasons, statuses, and submission dates.

        Args:
            user_id (string): The user's unique identifier in the system

        Returns:
            User transaction dispute history retrieved successfully.
        """
        if not user_id:
            return "Error: Missing required parameter: user_id"

        transaction_disputes_result = query_database_tool(
            "transaction_disputes", f'{{"user_id": "{user_id}"}}', db=self.db
        )

        result_parts = [
            "User transaction dispute history retrieved successfully.",
            "",
            "Executed: get_user_dispute_history_7291",
            f"Transaction dispute history for user {user_id}:",
        ]

        has_disputes = (
            "No records found" not in transaction_disputes_result
            and "No results found" not in transaction_disputes_result
        )

        if has_disputes:
            result_parts.append(transaction_disputes_result)
        else:
            result_parts.append("\nNo transaction disputes found for this user.")

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.READ)
    def get_pending_replacement_orders_5765(self, credit_card_account_id: str) -> str:
        """Check if a credit card account has any pending replacement card orders.

        Args:
            credit_card_account_id (string): The credit card account ID to check for pending replacement orders

        Returns:
            Pending replacement orders check completed.
        """
        if not credit_card_account_id:
            return "Error: Missing required parameter: credit_card_account_id"

        orders_result = query_database_tool(
            "credit_card_orders",
            f'{{"credit_card_account_id": "{credit_card_account_id}"}}',
            db=self.db,
        )

        result_parts = [
            "Pending replacement orders check completed.",
            "",
            "Executed: get_pending_replacement_orders_5765",
            f"Replacement orders for credit card account {credit_card_account_id}:",
        ]

        has_orders = "No records found" not in orders_result and "No results found" not in orders_result

        if has_orders:
            result_parts.append(orders_result)
        else:
            result_parts.append("\nNo pending replacement orders found for this credit card account.")

        return "\n".join(result_parts)
