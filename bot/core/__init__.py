"""The pure core: ingest, tokenize, index, answer. Never imports discord."""
