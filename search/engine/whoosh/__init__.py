"""The embedded engine: Whoosh index generations in the data folder (one machine)."""
from . import legacy
from .engine import WhooshEngine
from ..ranker import page_order

legacy.install()  # indexes written before this package name its classes by their old paths

__all__ = ["WhooshEngine", "page_order"]
