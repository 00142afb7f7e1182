"""A phrase query that checks positions by aligning sets, and can run without the check.

Whoosh's ``Phrase`` builds span objects for every candidate document, the biggest cost
of phrase and substring (bigram) queries here. ``ExactPhrase`` intersects the term
postings and keeps a document when ``{p - offset}`` of every term share a start.
Its score is the sum of its terms' scores, so the same query with the check turned
off (``loose()``) ranks a document exactly as the exact one does: the engine finds the
matching documents once (exactly, see ``docsets``) and scores the loose form over them.

``offsets`` lets a phrase skip words whose presence the others imply: the bigrams of
行政复议 at offsets 0 and 2 (行政, 复议) pin down all four characters.
"""
from __future__ import annotations

from whoosh import matching
from whoosh import query as wq


class AlignedMatcher(matching.WrappingMatcher):
    """Keeps the documents of an intersection whose term positions line up."""

    def __init__(self, child, leaves, offsets, boost=1.0):
        super().__init__(child, boost=boost)
        self.leaves = leaves
        self.offsets = offsets
        self._find()

    def _aligned(self) -> bool:
        starts = None
        for leaf, offset in zip(self.leaves, self.offsets):
            shifted = {position - offset for position in leaf.value_as("positions")}
            starts = shifted if starts is None else starts & shifted
            if not starts:
                return False
        return True

    def _find(self) -> None:
        child = self.child
        while child.is_active() and not self._aligned():
            child.next()

    def next(self):
        self.child.next()
        self._find()

    def skip_to(self, id):
        self.child.skip_to(id)
        self._find()

    def skip_to_quality(self, minquality):
        skipped = self.child.skip_to_quality(minquality)
        self._find()
        return skipped

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def replace(self, minquality=0):
        # The leaves must stay the objects the intersection moves; never swap them out.
        return self if self.is_active() else matching.NullMatcher()

    def copy(self):
        raise NotImplementedError("AlignedMatcher cannot be copied; build a new matcher from the query")


class ExactPhrase(wq.Phrase):
    """Words at given relative positions (consecutive by default) in one positional field."""

    def __init__(self, fieldname, words, offsets=None, exact=True, boost=1.0):
        super().__init__(fieldname, list(words), boost=boost)
        self.offsets = list(offsets) if offsets is not None else list(range(len(self.words)))
        self.exact = exact

    def __eq__(self, other):
        return (type(other) is type(self) and self.fieldname == other.fieldname and self.words == other.words
                and self.offsets == other.offsets and self.exact == other.exact and self.boost == other.boost)

    def __hash__(self):
        return hash((self.fieldname, tuple(self.words), tuple(self.offsets), self.exact, self.boost))

    def __repr__(self):
        return f"ExactPhrase({self.fieldname!r}, {self.words!r}, offsets={self.offsets!r}, exact={self.exact})"

    def normalize(self):
        return self

    def loose(self) -> "ExactPhrase":
        """The same words required anywhere in the document, scored the same."""
        return ExactPhrase(self.fieldname, self.words, self.offsets, exact=False, boost=self.boost)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        leaves = []
        for word in self.words:
            term = field.to_bytes(word)
            if (self.fieldname, term) not in reader:
                return matching.NullMatcher()
            leaves.append(wq.Term(self.fieldname, word).matcher(searcher, context))
        combined = leaves[0]
        for leaf in leaves[1:]:
            combined = matching.IntersectionMatcher(combined, leaf)
        if self.exact and len(leaves) > 1:
            return AlignedMatcher(combined, leaves, self.offsets, boost=self.boost)
        return matching.WrappingMatcher(combined, boost=self.boost) if self.boost != 1.0 else combined


def loosen(query):
    """The query with every ExactPhrase's position check turned off (for scoring)."""
    if isinstance(query, ExactPhrase):
        return query.loose()
    if isinstance(query, wq.AndNot):  # a BinaryQuery (checked first: it is also compound)
        return wq.AndNot(loosen(query.a), query.b)  # the excluded part stays exact
    if isinstance(query, (wq.And, wq.Or)):
        return query.__class__([loosen(q) for q in query.subqueries], boost=query.boost)
    return query


class NearParts(wq.Query):
    """Every part within ``window`` positions of the first part, in one positional field.

    A compound the user typed whole (法治督察) also counts where the page writes its parts
    close together (法治政府建设实地督察). Each part is a ``Term`` or an ``ExactPhrase`` of
    the field; matching is done by ``search.engine.whoosh.docsets`` (no Whoosh matcher: this query only
    selects documents, it is never scored).
    """

    def __init__(self, parts, window: int, skip=None):
        self.parts = list(parts)
        self.window = window
        self.skip = skip  # sorted global docnums to leave out (already matched whole)
        self.fieldname = self.parts[0].fieldname if self.parts else None
        self.boost = 1.0

    def __eq__(self, other):
        return type(other) is type(self) and self.parts == other.parts and self.window == other.window

    def __hash__(self):
        return hash((tuple(self.parts), self.window))

    def __repr__(self):
        return f"NearParts({self.parts!r}, window={self.window})"

    def normalize(self):
        return self

    def docs(self, searcher):
        from .docsets import matching_docs  # the matching lives with the other set operations

        return iter(matching_docs(searcher, self).tolist())
