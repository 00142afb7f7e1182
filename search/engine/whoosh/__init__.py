"""The embedded engine: Whoosh index generations in the data folder (one machine)."""
from .engine import WhooshEngine
from ..ranker import page_order

__all__ = ["WhooshEngine", "page_order"]
