"""`python -m sparring.testing`: run the stub OpenAI-compatible server (see stub_server.main)."""

from sparring.testing.stub_server import main

main()
