"""Helpers of τ²'s banking_knowledge tools: transfer reasons, balances, PIN and debit card activation checks.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research, unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sparring.importers.tau2_banking.data_model import TransactionalDB


TransferReasonLiteral = Literal[
    "fraud_or_security_concern",
    "account_closure_request",
    "deceased_account_holder",
    "legal_or_regulatory_matter",
    "account_ownership_dispute",
    "complex_billing_dispute",
    "abusive_customer_behavior",
    "third_party_inquiry",
    "technical_system_error",
    "unconfirmed_external_communication",
    "customer_demands_after_unavailable_offer_refusal",
    "kb_search_unsuccessful_customer_requests_transfer",
    "specialized_department_required",
    "accessibility_or_special_needs",
    "customer_frustrated_demands_human",
    "supervisor_request_service_complaint",
    "customer_requests_human_no_specific_reason",
    "request_completed_customer_wants_human_followup",
    # Tier 4
    "other",
]


def _parse_balance(val: Any) -> float:
    """Parse a balance value that may be a number or a string like '$2,850.00'."""
    if isinstance(val, (int, float)):
        return float(val)
    if isinstance(val, str):
        return float(val.replace("$", "").replace(",", ""))
    return 0.0


def _get_account_balance(account: dict[str, Any]) -> float:
    """Get account balance from either 'current_holdings' or 'balance' field."""
    return _parse_balance(account.get("current_holdings", account.get("balance", 0)))


def _validate_pin(pin: str) -> str | None:
    """Validate a PIN meets security requirements.

    Returns None if valid, or an error message if invalid.
    """
    if not pin or not pin.isdigit() or len(pin) != 4:
        return "PIN must be exactly 4 digits."

    # Check for sequential PIN (e.g., 1234, 4321)
    sequential_pins = [
        "0123",
        "1234",
        "2345",
        "3456",
        "4567",
        "5678",
        "6789",
        "9876",
        "8765",
        "7654",
        "6543",
        "5432",
        "4321",
        "3210",
    ]
    if pin in sequential_pins:
        return "PIN cannot be sequential (e.g., 1234). Please choose a more secure PIN."

    # Check for repeating PIN (e.g., 1111, 2222)
    if len(set(pin)) == 1:
        return "PIN cannot be all the same digit (e.g., 1111). Please choose a more secure PIN."

    return None


def _validate_activation_common(
    args: dict[str, Any],
    db: TransactionalDB,
    allowed_issue_reasons: list[str],
    tool_name: str,
) -> tuple[str | None, dict[str, Any] | None]:
    """Common validation for all debit card activation tools.

    Returns (error_message, card) - if error_message is not None, activation should fail.
    """
    card_id = args.get("card_id")
    last_4_digits = args.get("last_4_digits")
    expiration_date = args.get("expiration_date")
    cvv = args.get("cvv")
    pin = args.get("pin")

    if not all([card_id, last_4_digits, expiration_date, cvv, pin]):
        return (
            "Error: Missing required parameters. Required: card_id, last_4_digits, expiration_date, cvv, pin.",
            None,
        )

    # Validate PIN
    pin_error = _validate_pin(pin)
    if pin_error:
        return f"Error: {pin_error}", None

    # Validate CVV format
    if not cvv.isdigit() or len(cvv) != 3:
        return "Error: CVV must be exactly 3 digits.", None

    # Validate last 4 digits format
    if not last_4_digits.isdigit() or len(last_4_digits) != 4:
        return "Error: Last 4 digits must be exactly 4 digits.", None

    # Verify the card exists
    if card_id not in db.debit_cards.data:
        return f"Error: Debit card '{card_id}' not found.", None

    card = db.debit_cards.data[card_id]

    # Check issue_reason matches allowed reasons for this tool
    issue_reason = card.get("issue_reason", "new_account")
    if issue_reason not in allowed_issue_reasons:
        reason_map = {
            "new_account": "activate_debit_card_8291",
            "first_card": "activate_debit_card_8291",
            "lost": "activate_debit_card_8292",
            "stolen": "activate_debit_card_8292",
            "fraud": "activate_debit_card_8292",
            "expired": "activate_debit_card_8293",
            "damaged": "activate_debit_card_8293",
            "upgrade": "activate_debit_card_8293",
            "bank_reissue": "activate_debit_card_8293",
        }
        correct_tool = reason_map.get(issue_reason, "unknown")
        return (
            f"Error: Wrong activation tool. This card has issue_reason='{issue_reason}'. Please use {correct_tool} instead of {tool_name}.",
            None,
        )

    # Check card status
    if card.get("status") == "ACTIVE":
        return f"Error: Debit card '{card_id}' is already active.", None

    if card.get("status") != "PENDING":
        return (
            f"Error: Debit card '{card_id}' cannot be activated. Current status: {card.get('status')}. Only PENDING cards can be activated.",
            None,
        )

    # Verify last 4 digits match
    if card.get("last_4_digits") != last_4_digits:
        return (
            "Error: Card verification failed. The last 4 digits do not match our records.",
            None,
        )

    # Verify the linked account is still open
    account_id = card.get("account_id")
    if account_id and account_id in db.accounts.data:
        account = db.accounts.data[account_id]
        if account.get("status") != "OPEN":
            return (
                f"Error: The linked checking account '{account_id}' is no longer open. Card cannot be activated.",
                None,
            )

    return None, card
