"""Layer 2: durable inputs and answers. ``db`` holds ``Store`` (SQLite, append-only answers, tokens
and their metadata); ``tokens`` reads the user's tokens file."""
