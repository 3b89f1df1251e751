"""Channel adapters (Telegram, web chat), the outbox senders, the CLI and process wiring."""
