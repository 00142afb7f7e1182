"""The user's query language, parsed into a small tree (``search.engine.plan`` turns it
into queries each engine runs).

Syntax: space = AND, ``OR`` (or ``|``), ``-word`` / ``NOT word``, ``+word`` (must
contain), ``"exact phrase"``
(also “…” and 「…」), ``title:…``, ``section:…``, parentheses. A query that does not
parse is never an error: it is searched as plain words, and ``ParsedQuery.notice``
says how it was read.

>>> parse_query('行政复议 -信访 (title:法治 OR "综合查一次")').interpretation
'行政复议 AND NOT 信访 AND (title:法治 OR "综合查一次")'
>>> parsed = parse_query('行政复议 AND (')
>>> parsed.interpretation, parsed.notice is not None
('行政复议', True)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .normalize import normalize_text

FIELDS = {"title": "标题", "section": "章节"}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_OPERATOR_WORDS = {"AND", "OR", "NOT"}


# --- the tree ---------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    text: str
    field: str | None = None
    quoted: bool = False

    def render(self) -> str:
        body = f'"{self.text}"' if self.quoted or " " in self.text else self.text
        return f"{self.field}:{body}" if self.field else body


@dataclass(frozen=True)
class Not:
    child: object

    def render(self) -> str:
        return "NOT " + _render(self.child, nested=True)


@dataclass(frozen=True)
class Must:
    """``+word``: required even where other words may be missing (the partial tier)."""

    child: object

    def render(self) -> str:
        return "+" + _render(self.child, nested=True)


@dataclass(frozen=True)
class And:
    children: tuple

    def render(self) -> str:
        return " AND ".join(_render(c, nested=True) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple

    def render(self) -> str:
        return " OR ".join(_render(c, nested=True) for c in self.children)


def _render(node, nested: bool = False) -> str:
    text = node.render()
    if nested and isinstance(node, (And, Or)) and len(node.children) > 1:
        return f"({text})"
    return text


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: its tree, how it was read, and the words to highlight."""

    tree: object | None  # None: empty query (browse everything under the filters)
    interpretation: str
    notice: str | None = None
    highlight_terms: tuple[str, ...] = field(default_factory=tuple)


# --- lexing and parsing -----------------------------------------------------
class _ParseError(Exception):
    pass


_QUOTE_MARKS = '"“”「」『』'
# A closing mark with no opener (法治」) carries no meaning: it separates words like a space.
_STRAY_CLOSERS = set(_QUOTE_MARKS) - set(_QUOTES)
_WORD = re.compile(r'[^\s()|"“”「」『』]+')


def _lex(text: str) -> list[tuple[str, str]]:
    """(kind, value) tokens: LP, RP, OR, AND, NOT, NEG, FIELD, PHRASE, WORD."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() or char in _STRAY_CLOSERS:
            i += 1
            continue
        if char in "()":
            tokens.append(("LP" if char == "(" else "RP", char))
            i += 1
            continue
        if char == "|":
            tokens.append(("OR", "OR"))
            i += 2 if text.startswith("||", i) else 1
            continue
        if char in _QUOTES:
            end = text.find(_QUOTES[char], i + 1)
            if end < 0:
                raise _ParseError("引号不成对")
            tokens.append(("PHRASE", text[i + 1 : end]))
            i = end + 1
            continue
        match = _WORD.match(text, i)
        word = match.group()
        i = match.end()
        if word in _OPERATOR_WORDS:
            tokens.append((word, word))
        elif word == "&&":
            tokens.append(("AND", "AND"))
        elif word in ("-", "+") and i < len(text) and text[i] in "(" + "".join(_QUOTES):
            tokens.append(("NEG", "-") if word == "-" else ("MUST", "+"))  # -(…) / +"…"
        elif word[0] in "-+" and len(word) > 1 and word[1] not in "-+":
            tokens.append(("NEG", "-") if word[0] == "-" else ("MUST", "+"))
            i -= len(word) - 1  # re-read the rest as an ordinary token
        elif ":" in word and word.split(":", 1)[0].lower() in FIELDS:
            name, rest = word.split(":", 1)
            tokens.append(("FIELD", name.lower()))
            i -= len(rest)
        elif ":" in word and re.fullmatch(r"[A-Za-z_]+", word.split(":", 1)[0]):
            raise _ParseError(f"未知字段 {word.split(':', 1)[0]}")
        else:
            tokens.append(("WORD", word))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise _ParseError("多余的右括号" if self.peek() == "RP" else "无法识别的位置")
        return node

    def or_expr(self):
        children = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "RP", "OR"):
                raise _ParseError("OR 后缺少检索词")
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self):
        children = []
        while self.peek() not in (None, "RP", "OR"):
            if self.peek() == "AND":
                self.take()
                if not children or self.peek() in (None, "RP", "OR", "AND"):
                    raise _ParseError("AND 两侧缺少检索词")
                continue
            children.append(self.unary())
        if not children:
            raise _ParseError("缺少检索词")
        if all(isinstance(c, Not) for c in children) and self.pos < len(self.tokens) and self.peek() == "OR":
            raise _ParseError("OR 一侧只有排除词")
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self):
        kind, value = self.take()
        if kind in ("NEG", "NOT"):
            if self.peek() in (None, "RP", "OR", "AND", "NEG", "NOT", "MUST"):
                raise _ParseError("排除符号后缺少检索词")
            return Not(self.unary())
        if kind == "MUST":
            if self.peek() in (None, "RP", "OR", "AND", "NEG", "NOT", "MUST"):
                raise _ParseError("+ 后缺少检索词")
            return Must(self.unary())
        if kind == "LP":
            node = self.or_expr()
            if self.peek() != "RP":
                raise _ParseError("括号不成对")
            self.take()
            return node
        if kind == "FIELD":
            if self.peek() not in ("WORD", "PHRASE"):
                raise _ParseError(f"{value}: 后缺少检索词")
            inner_kind, text = self.take()
            return _words(text, value, inner_kind == "PHRASE")
        if kind in ("WORD", "PHRASE"):
            return _words(value, None, kind == "PHRASE")
        raise _ParseError("括号不成对" if kind == "RP" else f"位置不对的 {value}")


def _words(text: str, field_name: str | None, quoted: bool) -> Words:
    text = text.strip()
    if not re.search(r"[\w\u3400-\u9fff]", text):
        raise _ParseError("空的检索词")
    return Words(text, field_name, quoted)


def _plain_words(text: str) -> list[str]:
    return [w for w in re.split(r'[\s()|"“”「」『』:]+|(?<!\w)[-+]', text) if re.search(r"[\w\u3400-\u9fff]", w)
            and w not in _OPERATOR_WORDS]


def _positive_terms(node, negated: bool = False) -> list[str]:
    if isinstance(node, Words):
        return [] if negated or node.field == "title" else [node.text]
    if isinstance(node, Not):
        return _positive_terms(node.child, not negated)
    if isinstance(node, Must):
        return _positive_terms(node.child, negated)
    if isinstance(node, (And, Or)):
        return [t for child in node.children for t in _positive_terms(child, negated)]
    return []


def parse_query(text: str) -> ParsedQuery:
    """Parse what the user typed; never raises on bad syntax."""
    # A lone surrogate (undecodable bytes passed on as text) becomes U+FFFD: opencc and
    # SQLite refuse it.
    text = (text or "").encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = normalize_text(text)
    if not text:
        return ParsedQuery(None, "")
    try:
        tree = _Parser(_lex(text)).parse()
        notice = None
    except _ParseError as exc:
        words = _plain_words(text)
        if not words:
            return ParsedQuery(None, "", notice=f"查询语法有误({exc}),且没有可检索的词语")
        tree = Words(words[0]) if len(words) == 1 else And(tuple(Words(w) for w in words))
        notice = f"查询语法有误({exc}),已按普通词语检索:{_render(tree)}"
    return ParsedQuery(tree, _render(tree), notice, tuple(dict.fromkeys(_positive_terms(tree))))
