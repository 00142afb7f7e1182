"""govsearch: full-text search over Chinese government annual reports."""

__version__ = "0.1.0"
