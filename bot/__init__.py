"""archive-bot: a Discord bot answering questions about a news archive, with citations."""
__version__ = "0.1.0"
