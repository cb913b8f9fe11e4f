"""A support bot built with the OpenAI Agents SDK, as a team would deploy it: its own chat API (OpenAI
chat-completions shape, `POST /v1/chat/completions`) and its tools from its backend's MCP server.

The one line that makes it testable by Sparring unchanged: the backend URL is taken from the `X-Sparring-Backend`
request header when there is one, else from `BACKEND_URL` (staging). Run it, then point Sparring at it:

    pip install 'sparring[openai-agents]'
    python examples/bot-openai-agents/bot.py --port 8080 --model-base-url http://127.0.0.1:8001/v1
    sparring run examples/food-delivery --agent http://127.0.0.1:8080/v1 \\
        --agent-config examples/bot-openai-agents/agent.yaml
"""

from __future__ import annotations

import argparse
import os

from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
from agents.mcp import MCPServerStreamableHttp
from aiohttp import web
from openai import AsyncOpenAI

INSTRUCTIONS = "You are a food-delivery support agent. Look orders up with your tools before you state any fact."


def make_app(model_base_url: str, model: str = "support-model", api_key: str = "unused") -> web.Application:
    """The bot's chat server: each request runs the agent over the conversation it carries."""
    set_tracing_disabled(True)  # nothing leaves the machine
    llm = OpenAIChatCompletionsModel(model=model, openai_client=AsyncOpenAI(base_url=model_base_url, api_key=api_key))

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        backend = request.headers.get("X-Sparring-Backend") or os.environ["BACKEND_URL"]
        params = {"url": backend + "/mcp", "timeout": 30}
        async with MCPServerStreamableHttp(params=params, cache_tools_list=False, name="backend") as tools:
            agent = Agent(name="support", instructions=INSTRUCTIONS, model=llm, mcp_servers=[tools])
            history = [{"role": m["role"], "content": m["content"]} for m in body["messages"]]
            result = await Runner.run(agent, input=history, max_turns=6)
        reply = {"role": "assistant", "content": str(result.final_output)}
        return web.json_response({"object": "chat.completion", "choices": [{"index": 0, "message": reply}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--model-base-url", default=os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8001/v1"))
    parser.add_argument("--model", default="support-model")
    args = parser.parse_args()
    web.run_app(
        make_app(args.model_base_url, args.model, os.environ.get("OPENAI_API_KEY", "unused")),
        host="127.0.0.1",
        port=args.port,
    )
