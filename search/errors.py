"""The error hierarchy: raised inside, translated to messages and exit codes at the edges."""


class GovsearchError(Exception):
    """Base of every error govsearch raises on purpose."""


class ConfigError(GovsearchError):
    """A setting is unknown or has a value that cannot be used."""


class ExtractError(GovsearchError):
    """A page could not be turned into a report (empty, binary, truncated, too large)."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class FetchError(GovsearchError):
    """A URL could not be fetched (network, status, size, content type, blocked)."""


class IndexMissing(GovsearchError):
    """No index has been built yet in the data folder."""


class IndexLocked(GovsearchError):
    """Another process is writing the index; only one writer at a time."""


class QueryError(GovsearchError):
    """A query cannot be run even as plain words (e.g. it is empty)."""


class EngineError(GovsearchError):
    """The search engine failed: a cluster that does not answer, refuses a request, or holds no such index."""
