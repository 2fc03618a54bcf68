"""Discord extensions, one per command family (loaded in setup_hook)."""
