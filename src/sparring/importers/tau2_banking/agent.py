"""τ²'s banking_knowledge agent toolkit: identity and verification tools, with every mixin's tools.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows); the discoverable tools live
in mixins by theme (`tools_*.py`), composed here in τ²'s order.
"""

from typing import Any, get_args

from sparring.importers.tau2_banking.agent_discovery import DiscoveryTools
from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool, update_record_in_db
from sparring.importers.tau2_banking.discoverable import (
    ToolType,
    is_tool,
    one_class,
)
from sparring.importers.tau2_banking.helpers import (
    TransferReasonLiteral,
)
from sparring.importers.tau2_banking.tools_account_credits import AccountCreditTools
from sparring.importers.tau2_banking.tools_bank_accounts import BankAccountTools
from sparring.importers.tau2_banking.tools_card_closure import CardClosureTools
from sparring.importers.tau2_banking.tools_credit_disputes import CreditDisputeTools
from sparring.importers.tau2_banking.tools_credit_limits import CreditLimitTools
from sparring.importers.tau2_banking.tools_credit_payments import CreditPaymentTools
from sparring.importers.tau2_banking.tools_debit_activation import DebitActivationTools
from sparring.importers.tau2_banking.tools_debit_disputes import DebitDisputeTools
from sparring.importers.tau2_banking.tools_debit_limits import DebitLimitTools
from sparring.importers.tau2_banking.tools_debit_orders import DebitOrderTools
from sparring.importers.tau2_banking.tools_debit_security import DebitSecurityTools
from sparring.importers.tau2_banking.tools_deposits_orders import DepositOrderTools
from sparring.importers.tau2_banking.utils import (
    generate_verification_id,
)


@one_class
class KnowledgeTools(
    DiscoveryTools,
    CreditDisputeTools,
    DebitDisputeTools,
    DepositOrderTools,
    CardClosureTools,
    CreditPaymentTools,
    CreditLimitTools,
    BankAccountTools,
    AccountCreditTools,
    DebitOrderTools,
    DebitActivationTools,
    DebitSecurityTools,
    DebitLimitTools,
):
    """Tools for the knowledge domain (Agent tools).

    The `db` attribute is the TransactionalDB (users, accounts, applications, referrals)
    which is used for DB state hashing during evaluation.

    Note: KB_search and other knowledge-retrieval tools are provided by retrieval configs,
    not by this base toolkit.

    Agent discoverable tools are defined as methods decorated with @is_discoverable_tool.
    Their docstrings serve as the source of truth for description and parameters.
    """

    db: TransactionalDB

    def __init__(
        self,
        db: TransactionalDB,
    ) -> None:
        super().__init__(db)
        self._user_discoverable_tools_state: dict[str, dict[str, Any]] = {}
        self._agent_discoverable_tools_state: dict[str, dict[str, Any]] = {}
        # Names of read-only discoverable tools whose calls should be logged to
        # the agent_discoverable_tools table during eval. Populated at task
        # setup from the golden trajectory so that required-read assertions
        # still discriminate, while extra validation reads don't pollute the
        # DB hash. See get_environment(read_log_allowlist=...).
        self._read_log_allowlist: set[str] = set()

    def set_read_log_allowlist(self, allowlist: set | None) -> None:
        """Replace the read-call DB-logging allowlist."""
        self._read_log_allowlist = set(allowlist or [])

    def get_user_discoverable_tools_state(self) -> dict[str, dict[str, Any]]:
        """Get the current state of user discoverable tools (for sharing with user tools)."""
        return self._user_discoverable_tools_state

    def get_agent_discoverable_tools_state(self) -> dict[str, dict[str, Any]]:
        """Get the current state of agent discoverable tools."""
        return self._agent_discoverable_tools_state

    @is_tool(ToolType.GENERIC)
    def transfer_to_human_agents(
        self,
        summary: str,
        reason: TransferReasonLiteral = "other",
    ) -> str:
        """Transfer the user to a human agent.

        The proper transfer reason enum can be found in the knowledge base: search it before calling this tool to select the proper applicable reason.

        Args:
            summary: A summary of the user's issue and what was attempted before transfer.
            reason: The specific reason code for the transfer.
        """
        valid_reasons = list(get_args(TransferReasonLiteral))
        if reason not in valid_reasons:
            return f"Error: Invalid transfer reason '{reason}'. Must be one of: {', '.join(valid_reasons)}"

        return f"Transfer successful (reason: {reason}). A human agent will assist you shortly."

    @is_tool(ToolType.READ)
    def get_current_time(self) -> str:
        """Get the current time. Use this to get the current timestamp for logging verification records.

        Returns:
            The current time in the format "YYYY-MM-DD HH:MM:SS TZ"
        """
        return "The current time is 2025-11-14 03:40:00 EST."

    @is_tool(ToolType.READ)
    def get_user_information_by_id(self, user_id: str) -> str:
        """Get the information (date of birth, email, phone number, address) for a user by their user id.

        Args:
            user_id: The ID of the user
        """
        return query_database_tool("users", f'{{"user_id": "{user_id}"}}', db=self.db)

    @is_tool(ToolType.READ)
    def get_user_information_by_name(self, customer_name: str) -> str:
        """Get the information (date of birth, email, phone number, address) for a user by their name. Case Sensitive.

        Args:
            customer_name: The name of the user
        """
        return query_database_tool("users", f'{{"name": "{customer_name}"}}', db=self.db)

    @is_tool(ToolType.READ)
    def get_user_information_by_email(self, email: str) -> str:
        """Get the information (date of birth, email, phone number, address) for a user by their email.

        Args:
            email: The email of the user
        """
        return query_database_tool("users", f'{{"email": "{email}"}}', db=self.db)

    @is_tool(ToolType.WRITE)
    def change_user_email(self, user_id: str, new_email: str) -> str:
        """Change the email address for a user.

        Args:
            user_id: The ID of the user whose email should be changed
            new_email: The new email address to set for the user
        """
        success, updated_record = update_record_in_db(
            "users", db=self.db, record_id=user_id, updates={"email": new_email}
        )

        if not success:
            return f"Error: User with ID '{user_id}' not found."

        return f"Email updated successfully.\n  - User ID: {user_id}\n  - New Email: {new_email}"

    @is_tool(ToolType.READ)
    def get_referrals_by_user(self, user_id: str) -> str:
        """Get all referrals made by a user.

        Args:
            user_id: The ID of the user (referrer) to look up referrals for
        """
        return query_database_tool("referrals", f'{{"referrer_id": "{user_id}"}}', db=self.db)

    @is_tool(ToolType.READ)
    def get_credit_card_transactions_by_user(self, user_id: str) -> str:
        """Get all credit card transactions for a user.

        Args:
            user_id: The ID of the user to look up transactions for
        """
        return query_database_tool("credit_card_transaction_history", f'{{"user_id": "{user_id}"}}', db=self.db)

    @is_tool(ToolType.READ)
    def get_credit_card_accounts_by_user(self, user_id: str) -> str:
        """Get all credit card accounts for a user.

        Returns information about each credit card account including card type,
        date opened, current balance, and reward points.

        Args:
            user_id: The ID of the user to look up credit card accounts for
        """
        return query_database_tool("credit_card_accounts", f'{{"user_id": "{user_id}"}}', db=self.db)

    @is_tool(ToolType.WRITE)
    def log_verification(
        self,
        name: str,
        user_id: str,
        address: str,
        email: str,
        phone_number: str,
        date_of_birth: str,
        time_verified: str,
    ) -> str:
        """Log a verification record after successfully verifying a user's identity.

        Call this tool after you have verified a user by confirming 2 out of 4 identity fields
        (date of birth, email, phone number, address). This creates an audit record of the verification.

        Args:
            name: The verified user's full name
            user_id: The verified user's ID
            address: The verified user's address
            email: The verified user's email
            phone_number: The verified user's phone number
            date_of_birth: The verified user's date of birth (MM/DD/YYYY format)
            time_verified: The timestamp of the verification (e.g., "2025-11-14 03:40:00 EST")
        """
        # Generate a deterministic ID for this verification record
        record_id = generate_verification_id(user_id, time_verified)

        # Create the verification record
        record = {
            "name": name,
            "user_id": user_id,
            "address": address,
            "email": email,
            "phone_number": phone_number,
            "date_of_birth": date_of_birth,
            "time_verified": time_verified,
        }

        # Add to the verification_history table
        success = add_to_db("verification_history", record_id, record, db=self.db)

        if not success:
            return "Failed to log verification: Record may already exist."

        return f"Verification logged successfully.\n  - User: {name} (ID: {user_id})\n  - Verified at: {time_verified}"
