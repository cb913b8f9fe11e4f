"""τ²'s banking_knowledge customer toolkit (`KnowledgeUserTools`): applications, referrals, discoverable calls.

Ported from τ²-bench v1.0.x (https://github.com/sierra-research/tau2-bench, commit a2c0247,
`src/tau2/domains/banking_knowledge/tools.py`), MIT licence, Copyright (c) 2025 Sierra Research: the tools' code and
docstrings as τ² has them (a docstring is what the model, and τ²'s unlock answer, shows) but for `query_database`, a
method no tool calls.
"""

import inspect
import json

from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_banking.db_query import add_to_db, query_database_tool
from sparring.importers.tau2_banking.discoverable import (
    ToolType,
    is_tool,
    one_class,
)
from sparring.importers.tau2_banking.user_discoverable import KnowledgeUserDiscoverableTools
from sparring.importers.tau2_banking.utils import (
    generate_application_id,
    generate_referral_id,
    get_today_str,
)


@one_class
class KnowledgeUserTools(KnowledgeUserDiscoverableTools):
    """Tools available to the user (customer) in the knowledge domain.

    The `db` attribute is the TransactionalDB which is used for DB state
    hashing during evaluation.
    """

    db: TransactionalDB

    def __init__(
        self,
        db: TransactionalDB,
    ) -> None:
        super().__init__(db)

    # Valid credit card types for applications
    VALID_CREDIT_CARD_TYPES = [
        "Bronze Rewards Card",
        "Business Bronze Rewards Card",
        "Business Gold Rewards Card",
        "Business Platinum Rewards Card",
        "Business Silver Rewards Card",
        "Crypto-Cash Back",
        "Diamond Elite Card",
        "EcoCard",
        "Gold Rewards Card",
        "Green Rewards Card",
        "Platinum Rewards Card",
        "Silver Rewards Card",
        "Silver Zoom Card",
    ]

    @is_tool(ToolType.WRITE)
    def apply_for_credit_card(
        self,
        card_type: str,
        customer_name: str,
        annual_income: float,
        rho_bank_subscription: bool = False,
    ) -> str:
        """Apply for a credit card.

        Args:
            card_type: Type of credit card
            customer_name: Full legal name
            annual_income: Annual income in USD
            rho_bank_subscription: Whether user has Rho-Bank+ subscription
        """
        # Validate card_type against known credit card types
        if card_type not in self.VALID_CREDIT_CARD_TYPES:
            return f"Error: Invalid card_type '{card_type}'. Must be one of: {self.VALID_CREDIT_CARD_TYPES}"

        # Normalize to float so the deterministic application ID and stored record
        # do not depend on whether the caller sent 100000 or 100000.0
        try:
            annual_income = float(annual_income)
        except (TypeError, ValueError):
            return "Error: Invalid annual_income. Must be a number."

        # Generate a deterministic application ID from the input parameters
        # This ensures the same inputs produce the same ID for environment evaluation
        application_id = generate_application_id(card_type, customer_name, annual_income, rho_bank_subscription)

        # Get today's date in MM/DD/YYYY format
        today = get_today_str()

        # Create the application record
        record = {
            "application_id": application_id,
            "card_type": card_type,
            "customer_name": customer_name,
            "annual_income": annual_income,
            "rho_bank_subscription": rho_bank_subscription,
            "status": "PENDING",
            "date": today,
        }

        # Add to the credit_card_applications table (in-memory via db_query)
        success = add_to_db("credit_card_applications", application_id, record, db=self.db)

        if not success:
            return f"Failed to submit application: Record ID '{application_id}' may already exist."

        return (
            "Credit card application submitted:\n"
            "Your application has been successfully submitted. "
            "You will receive a decision within 5-7 business days via email."
        )

    @is_tool(ToolType.WRITE)
    def submit_referral(self, user_id: str, account_type: str) -> str:
        """Submit a referral request to refer someone to open an account.

        Args:
            user_id: Your user ID (the referrer)
            account_type: The type of account you are referring someone to open
        """
        # Generate a deterministic 16-character hex referral ID from the input parameters
        # This ensures the same inputs produce the same ID for environment evaluation
        referral_id = generate_referral_id(user_id, account_type)

        # Get today's date in MM/DD/YYYY format
        today = get_today_str()

        # Create the referral record
        record = {
            "referral_id": referral_id,
            "referrer_id": user_id,
            "referred_account_type": account_type,
            "referral_status": "NO_PROGRESS",
            "date": today,
        }

        # Add to the referrals table (in-memory via db_query)
        success = add_to_db("referrals", referral_id, record, db=self.db)

        if not success:
            return f"Failed to submit referral: Record ID '{referral_id}' may already exist."

        return (
            f"Referral request submitted successfully!\n"
            f"  - Referral ID: {referral_id}\n"
            f"  - Referrer ID: {user_id}\n"
            f"  - Account Type: {account_type}\n"
            f"  - Status: NO_PROGRESS\n"
            f"  - Date: {today}\n\n"
            f"Share your referral ID with the person you're referring. "
            f"They will need to use this when applying for their account."
        )

    @is_tool(ToolType.WRITE)
    def call_discoverable_user_tool(self, discoverable_tool_name: str, arguments: str = "{}") -> str:
        """Call a tool that was given to you by the agent.

        Use this when the agent has instructed you to perform an action using
        a discoverable tool. The agent will have told you the tool name and arguments.

        This simulates you performing the action in the real world (e.g., opening
        a webpage, navigating to a section, clicking a button).

        Args:
            discoverable_tool_name: The name of the discoverable tool to call (e.g., "open_webpage")
            arguments: JSON string of arguments for the tool (e.g., '{"url": "https://example.com"}')

        Returns:
            The result of executing the discoverable tool
        """
        # Check if the tool exists as a discoverable method
        if not self.has_discoverable_tool(discoverable_tool_name):
            return f"Error: Unknown discoverable tool '{discoverable_tool_name}'."

        # Parse arguments. JSON does not distinguish ints from floats (33 and 33.0
        # are the same JSON number), so normalize all numbers to float. Otherwise
        # deterministic IDs and DB-state hashes would depend on how the caller
        # happened to spell the number.
        try:
            args_dict = json.loads(arguments, parse_int=float)
        except json.JSONDecodeError as e:
            return f"Error: Invalid JSON in arguments: {e}"

        # Get the method and validate arguments against method signature
        method = self.get_discoverable_tools()[discoverable_tool_name]
        sig = inspect.signature(method)

        for param_name, param in sig.parameters.items():
            if param_name == "self":
                continue
            if param.default is inspect.Parameter.empty and param_name not in args_dict:
                return f"Error: Missing required parameter: {param_name}"

        for arg_name in args_dict:
            if arg_name not in sig.parameters:
                return f"Error: Unexpected parameter: {arg_name}"

        # Call the method directly - it handles checking if tool was given,
        # logging the call, and executing the business logic
        try:
            return method(**args_dict)
        except TypeError as e:
            return f"Error: Invalid arguments for tool '{discoverable_tool_name}': {e}"

    @is_tool(ToolType.READ)
    def list_discoverable_user_tools(self) -> str:
        """List all tools that have been given to you by the agent.

        Use this to see what actions the agent has instructed you to perform.

        Returns:
            A list of tools that have been given to you
        """
        result = query_database_tool("user_discoverable_tools", "{}", db=self.db)

        if "No results found" in result:
            return "No tools have been given to you yet by the agent."

        return f"Tools given to you by the agent:\n{result}"

    @is_tool(ToolType.WRITE)
    def request_human_agent_transfer(self) -> str:
        """Request to be transferred to a human agent for assistance.

        Use this when you want to speak with a real human agent instead of
        the automated system. Each request will be logged and processed.

        Returns:
            Confirmation that your transfer request has been submitted
        """
        # Record this transfer request in the database so the agent can track the count
        today = get_today_str()

        # Query existing requests to get count
        existing_requests = query_database_tool("human_transfer_requests", "{}", db=self.db)

        # Count existing requests (simple count based on results)
        if "No records found" in existing_requests or "No results found" in existing_requests:
            request_count = 1
        else:
            # Count the number of request entries
            request_count = existing_requests.count("request_id") + 1

        # Create a new request record
        request_id = f"transfer_request_{request_count}"
        record = {
            "request_id": request_id,
            "request_number": request_count,
            "requested_at": today,
            "status": "PENDING",
        }

        add_to_db("human_transfer_requests", request_id, record, db=self.db)

        return f"Transfer request #{request_count} submitted.\nThe agent will process your request."
