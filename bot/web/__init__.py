"""HTTP routes: webhooks, health, sandbox."""
