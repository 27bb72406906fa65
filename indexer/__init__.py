"""AI Brew archive search: read, chunk, embed, index, retrieve, answer.

Nothing is loaded at import; start from `indexer.build.build.rebuild` or `indexer.engine.load_engine`.
"""

__version__ = "0.1.0"
