"""Engine-neutral query nodes (``search.engine.plan``) as Whoosh queries."""
from __future__ import annotations

from whoosh import query as wq

from . import phrase
from .. import plan


def to_whoosh(node):
    """The Whoosh query of a node (``plan.Near`` becomes ``NearParts``, matched by docsets)."""
    if isinstance(node, plan.Term):
        return wq.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, plan.Phrase):
        return phrase.ExactPhrase(node.field, list(node.words), list(node.positions), boost=node.boost)
    if isinstance(node, plan.Prefix):
        return wq.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, plan.All):
        return wq.And([to_whoosh(c) for c in node.children], boost=node.boost)
    if isinstance(node, plan.Any):
        return wq.Or([to_whoosh(c) for c in node.children], boost=node.boost)
    if isinstance(node, plan.Without):
        return wq.AndNot(to_whoosh(node.positive), to_whoosh(node.negative))
    if isinstance(node, plan.Exclude):
        return wq.Not(to_whoosh(node.child))
    if isinstance(node, plan.Everything):
        return wq.Every(boost=node.boost)
    if isinstance(node, plan.Nothing):
        return wq.NullQuery
    if isinstance(node, plan.Near):
        return phrase.NearParts([to_whoosh(p) for p in node.parts], node.window)
    raise TypeError(f"unknown query node {node!r}")


def compile_tree(tree):
    """Whoosh query for a parsed query tree (None → every document)."""
    return to_whoosh(plan.tree_query(tree))


def title_boost_query(parsed):
    """Optional Whoosh query that lifts paragraphs whose report title has the words."""
    node = plan.title_boost(parsed)
    return to_whoosh(node) if node is not None else None
