"""A run whose chatbot is not a deployed bot does not import aiohttp (~0.17 s of start-up): the deployed bot's
HTTP client is imported when it first asks its bot."""

import subprocess
import sys


def test_the_runner_and_agents_do_not_import_aiohttp():
    code = "import sys, sparring.runner, sparring.agents, sparring.cli.running; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
