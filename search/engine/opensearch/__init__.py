"""The cluster engine: paragraphs in OpenSearch, searched with the Whoosh engine's results."""
from .engine import OpenSearchEngine

__all__ = ["OpenSearchEngine"]
