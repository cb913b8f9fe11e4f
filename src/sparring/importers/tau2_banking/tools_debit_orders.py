"""τ²'s banking_knowledge agent tools (discoverable): ordering debit cards and activating a new account's first card.

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
from sparring.importers.tau2_banking.helpers import (
    _validate_activation_common,
)
from sparring.importers.tau2_banking.utils import (
    _deterministic_id,
    generate_debit_card_id,
    generate_debit_card_order_id,
    get_today_str,
)


class DebitOrderTools(DiscoverableToolKit):
    """Ordering debit cards and activating a new account's first card."""

    db: TransactionalDB

    @is_discoverable_tool(ToolType.WRITE)
    def order_debit_card_5739(
        self,
        account_id: str,
        user_id: str,
        delivery_option: str,
        delivery_fee: float,
        card_design: str,
        design_fee: float,
        shipping_address: str,
        excess_replacement_fee: float | None = None,
    ) -> str:
        """Order a new debit card for a customer's checking account.

        Args:
            account_id (string): The checking account ID to link the debit card to
            user_id (string): The customer's unique identifier
            delivery_option (string): Shipping speed: STANDARD, EXPEDITED, or RUSH
            delivery_fee (number): Fee to charge for delivery in dollars
            card_design (string): Card design: CLASSIC, PREMIUM, or CUSTOM
            design_fee (number): Fee to charge for card design in dollars
            shipping_address (string): Full shipping address for card delivery
            excess_replacement_fee (number, optional): Fee for exceeding replacement limit, if applicable

        Returns:
            Debit card order placed successfully.
        """
        excess_replacement_fee = excess_replacement_fee or 0

        # Ensure fees are numbers
        try:
            delivery_fee = float(delivery_fee) if delivery_fee is not None else None
        except (TypeError, ValueError):
            return "Error: delivery_fee must be a number."

        try:
            design_fee = float(design_fee) if design_fee is not None else None
        except (TypeError, ValueError):
            return "Error: design_fee must be a number."

        try:
            excess_replacement_fee = float(excess_replacement_fee)
        except (TypeError, ValueError):
            excess_replacement_fee = 0

        if not all(
            [
                account_id,
                user_id,
                delivery_option,
                delivery_fee is not None,
                card_design,
                design_fee is not None,
                shipping_address,
            ]
        ):
            return "Error: Missing required parameters. Required: account_id, user_id, delivery_option, delivery_fee, card_design, design_fee, shipping_address."

        valid_delivery = ["STANDARD", "EXPEDITED", "RUSH"]
        if delivery_option.upper() not in valid_delivery:
            return f"Error: Invalid delivery_option. Must be one of: {valid_delivery}"
        delivery_option = delivery_option.upper()

        valid_design = ["CLASSIC", "PREMIUM", "CUSTOM"]
        if card_design.upper() not in valid_design:
            return f"Error: Invalid card_design. Must be one of: {valid_design}"
        card_design = card_design.upper()

        # Verify the account exists and is a checking account
        if account_id not in self.db.accounts.data:
            return f"Error: Account '{account_id}' not found."

        account = self.db.accounts.data[account_id]

        if account.get("class") != "checking":
            return f"Error: Debit cards can only be ordered for checking accounts. Account '{account_id}' is a {account.get('class')} account."

        if account.get("status") != "OPEN":
            return f"Error: Account must be OPEN. Account '{account_id}' has status: {account.get('status')}"

        if account.get("user_id") != user_id:
            return f"Error: Account '{account_id}' does not belong to user '{user_id}'."

        # Check minimum balance ($25)
        try:
            current_holdings = float(str(account.get("current_holdings", "0")).replace(",", ""))
        except ValueError:
            current_holdings = 0.0

        if current_holdings < 25.0:
            return f"Error: Account must have a minimum balance of $25. Current balance: ${current_holdings:.2f}"

        # Check for pending debit card orders for this account
        for order in self.db.debit_card_orders.data.values():
            if order.get("account_id") == account_id and order.get("status") == "PENDING":
                return f"Error: There is already a pending debit card order for account '{account_id}'."

        # Check if customer already has an active debit card for this account
        active_cards_count = sum(
            1
            for card in self.db.debit_cards.data.values()
            if card.get("account_id") == account_id and card.get("status") == "ACTIVE"
        )
        if active_cards_count >= 1:
            return f"Error: Account '{account_id}' already has an active debit card. Maximum 1 active card per checking account."

        # Calculate total fees
        total_fee = delivery_fee + design_fee + excess_replacement_fee

        # Check if account has sufficient funds for fees
        if total_fee > 0 and current_holdings < total_fee:
            return f"Error: Insufficient funds for fees. Total fees: ${total_fee:.2f}. Current balance: ${current_holdings:.2f}"

        # Calculate expected delivery
        delivery_times = {
            "STANDARD": "7-10 business days",
            "EXPEDITED": "3-5 business days",
            "RUSH": "1-2 business days",
        }
        expected_delivery = delivery_times[delivery_option]

        # Generate order ID
        order_date = get_today_str()
        order_id = generate_debit_card_order_id(account_id, user_id, delivery_option)

        # Create the order record
        order_record = {
            "order_id": order_id,
            "account_id": account_id,
            "user_id": user_id,
            "delivery_option": delivery_option,
            "card_design": card_design,
            "shipping_address": shipping_address,
            "delivery_fee": delivery_fee,
            "design_fee": design_fee,
            "excess_replacement_fee": excess_replacement_fee,
            "total_fee": total_fee,
            "order_date": order_date,
            "expected_delivery": expected_delivery,
            "status": "PENDING",
        }

        success = add_to_db("debit_card_orders", order_id, order_record, db=self.db)
        if not success:
            return "Error: Failed to create debit card order. Order may already exist."

        # Deduct fees from the checking account if applicable
        if total_fee > 0:
            new_balance = current_holdings - total_fee
            self.db.accounts.data[account_id]["current_holdings"] = f"{new_balance:.2f}"

            # Create a transaction record for the fee
            fee_description_parts = []
            if delivery_fee > 0:
                fee_description_parts.append(f"Delivery ${delivery_fee}")
            if design_fee > 0:
                fee_description_parts.append(f"Design ${design_fee}")
            if excess_replacement_fee > 0:
                fee_description_parts.append(f"Excess Replacement ${excess_replacement_fee:.0f}")
            fee_description = f"DEBIT CARD ORDER FEE - {', '.join(fee_description_parts)}"

            fee_txn_id = f"btxn_dcfee_{order_id[-8:]}"
            fee_transaction = {
                "transaction_id": fee_txn_id,
                "account_id": account_id,
                "date": order_date,
                "description": fee_description,
                "amount": -total_fee,
                "type": "debit_card_fee",
                "status": "posted",
            }
            add_to_db(
                "bank_account_transaction_history",
                fee_txn_id,
                fee_transaction,
                db=self.db,
            )

        # Create the debit card entry in debit_cards table with PENDING status
        card_id = generate_debit_card_id(account_id, user_id, order_date)

        # Generate last 4 digits and CVV deterministically
        card_details_seed = f"card_details:{card_id}"
        last_4_hash = _deterministic_id(card_details_seed + ":last4", length=8)
        cvv_hash = _deterministic_id(card_details_seed + ":cvv", length=6)

        last_4_digits = "".join(c for c in last_4_hash if c.isdigit())[:4].zfill(4)
        cvv = "".join(c for c in cvv_hash if c.isdigit())[:3].zfill(3)

        # Get cardholder name from users table
        cardholder_name = "CARDHOLDER"
        if user_id in self.db.users.data:
            user = self.db.users.data[user_id]
            cardholder_name = user.get("name", "CARDHOLDER").upper()

        # Calculate expiration date (4 years from now)
        try:
            parts = order_date.split("/")
            exp_month = parts[0]
            exp_year = str(int(parts[2]) + 4)
            if exp_month in ["01", "03", "05", "07", "08", "10", "12"]:
                exp_day = "31"
            elif exp_month == "02":
                exp_day = "28"
            else:
                exp_day = "30"
            expiration_date = f"{exp_month}/{exp_day}/{exp_year}"
        except (ValueError, IndexError):
            expiration_date = "12/31/2029"

        # Determine issue_reason
        existing_cards = [c for c in self.db.debit_cards.data.values() if c.get("account_id") == account_id]
        closed_card = next((c for c in existing_cards if c.get("status") == "CLOSED"), None)
        if closed_card:
            closure_reason = closed_card.get("closure_reason", "first_card")
            if closure_reason in ["lost", "stolen", "fraud", "fraud_suspected"]:
                issue_reason = closure_reason if closure_reason != "fraud_suspected" else "fraud"
            else:
                issue_reason = "first_card"
        elif existing_cards:
            issue_reason = "first_card"
        else:
            issue_reason = "new_account"

        card_record = {
            "card_id": card_id,
            "account_id": account_id,
            "user_id": user_id,
            "cardholder_name": cardholder_name,
            "last_4_digits": last_4_digits,
            "cvv": cvv,
            "status": "PENDING",
            "issue_date": order_date,
            "expiration_date": expiration_date,
            "card_design": card_design,
            "issue_reason": issue_reason,
        }

        add_to_db("debit_cards", card_id, card_record, db=self.db)

        # Build response
        result_parts = [
            "Debit Card Order Confirmed",
            f"Order ID: {order_id}",
            f"Card ID: {card_id}",
            f"Linked Account: {account_id}",
            f"Delivery Option: {delivery_option}",
            f"Card Design: {card_design}",
            f"Shipping Address: {shipping_address}",
            f"Expected Delivery: {expected_delivery}",
            "",
            "Note: Card will arrive with status PENDING. Customer must call to activate after receiving the card.",
        ]

        if total_fee > 0:
            fee_details = []
            if delivery_fee > 0:
                fee_details.append(f"Delivery: ${delivery_fee}")
            if design_fee > 0:
                fee_details.append(f"Design: ${design_fee}")
            if excess_replacement_fee > 0:
                fee_details.append(f"Excess Replacement: ${excess_replacement_fee:.0f}")
            result_parts.append(
                f"Total Fees: ${total_fee:.2f} ({', '.join(fee_details)}) - CHARGED to account {account_id}"
            )
            result_parts.append(f"New Account Balance: ${current_holdings - total_fee:.2f}")
        else:
            result_parts.append("Total Fees: $0 (No additional charges)")

        return "\n".join(result_parts)

    @is_discoverable_tool(ToolType.WRITE)
    def activate_debit_card_8291(
        self,
        card_id: str,
        last_4_digits: str,
        expiration_date: str,
        cvv: str,
        pin: str,
    ) -> str:
        """Activate a NEW debit card for a customer. Use ONLY for first-time cards on a checking account (issue_reason = 'new_account' or 'first_card'). For replacement or reissued cards, use the appropriate variant.

        Args:
            card_id (string): The debit card ID to activate
            last_4_digits (string): Last 4 digits of the card number (for verification)
            expiration_date (string): Card expiration date in MM/YY format
            cvv (string): 3-digit CVV from the back of the card
            pin (string): 4-digit PIN chosen by the customer

        Returns:
            New debit card activated successfully.
        """
        args = {
            "card_id": card_id,
            "last_4_digits": last_4_digits,
            "expiration_date": expiration_date,
            "cvv": cvv,
            "pin": pin,
        }

        error, card = _validate_activation_common(
            args, self.db, ["new_account", "first_card"], "activate_debit_card_8291"
        )
        if error:
            return error

        account_id = card.get("account_id")

        # Activate the card
        card["status"] = "ACTIVE"
        card["activated_date"] = get_today_str()

        # Deactivate any other active cards for the same account
        deactivated_cards = []
        for other_card_id, other_card in self.db.debit_cards.data.items():
            if (
                other_card_id != card_id
                and other_card.get("account_id") == account_id
                and other_card.get("status") == "ACTIVE"
            ):
                other_card["status"] = "DEACTIVATED"
                other_card["deactivated_date"] = get_today_str()
                other_card["deactivation_reason"] = "New card activated"
                deactivated_cards.append(other_card_id)

        result_parts = [
            "New Debit Card Activation Successful",
            f"Card ID: {card_id}",
            "Status: ACTIVE",
            f"Activation Date: {get_today_str()}",
            "",
            "Your card is now ready to use at any ATM or point of sale terminal.",
            "For security, please sign the back of your card.",
        ]

        if deactivated_cards:
            result_parts.append(f"\nNote: Previous card(s) have been deactivated: {', '.join(deactivated_cards)}")

        return "\n".join(result_parts)
