"""Channel adapters: thin translation between providers and our messages."""
