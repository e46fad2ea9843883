"""Layer 2: durable inputs and answers. ``db`` holds ``Store`` (SQLite, append-only answers, tokens
and their metadata); ``layout`` its tables, versions and migrations; ``connection`` how the file is
opened (read-only too) and SQLite's failures told apart; ``tokens`` reads the user's tokens file."""
