from sparring.cli import app

app()
