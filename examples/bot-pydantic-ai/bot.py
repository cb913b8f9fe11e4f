"""A support bot built with Pydantic AI, as a team would deploy it: its own JSON chat API (`POST /chat` with
`{"session": ..., "messages": [...]}`, answering `{"reply": ...}`) and its tools from its backend's MCP server.

The one line that makes it testable by Sparring unchanged: the backend URL is taken from the `X-Sparring-Backend`
request header when there is one, else from `BACKEND_URL` (staging). Run it, then point Sparring at it:

    pip install 'sparring[pydantic-ai]'
    python examples/bot-pydantic-ai/bot.py --port 8081 --model-base-url http://127.0.0.1:8001/v1
    sparring run examples/food-delivery --agent http://127.0.0.1:8081 \\
        --agent-config examples/bot-pydantic-ai/agent.yaml
"""

from __future__ import annotations

import argparse
import os

from aiohttp import web
from pydantic_ai import Agent
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

INSTRUCTIONS = "You are a food-delivery support agent. Look orders up with your tools before you state any fact."


def history(messages: list[dict[str, str]]) -> list[ModelMessage]:
    """The earlier turns in Pydantic AI's message types."""
    return [
        ModelRequest(parts=[UserPromptPart(content=m["content"])])
        if m["role"] == "user"
        else ModelResponse(parts=[TextPart(content=m["content"])])
        for m in messages
    ]


def make_app(model_base_url: str, model: str = "support-model", api_key: str = "unused") -> web.Application:
    """The bot's chat server: each request runs the agent over the conversation it carries."""
    llm = OpenAIChatModel(model, provider=OpenAIProvider(base_url=model_base_url, api_key=api_key))

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        backend = request.headers.get("X-Sparring-Backend") or os.environ["BACKEND_URL"]
        agent = Agent(llm, instructions=INSTRUCTIONS, toolsets=[MCPToolset(backend + "/mcp")])
        *earlier, last = body["messages"]
        async with agent:
            result = await agent.run(last["content"], message_history=history(earlier))
        return web.json_response({"session": body.get("session"), "reply": result.output})

    app = web.Application()
    app.router.add_post("/chat", chat)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--model-base-url", default=os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8001/v1"))
    parser.add_argument("--model", default="support-model")
    args = parser.parse_args()
    app = make_app(args.model_base_url, args.model, os.environ.get("OPENAI_API_KEY", "unused"))
    web.run_app(app, host="127.0.0.1", port=args.port)
