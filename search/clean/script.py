"""Traditional-script pages: clean a simplified shadow, show the page's own characters.

Every rule of the cleaner (metadata labels, report kinds, heading cues) is written in
simplified Chinese. A traditional page is converted line by line (OpenCC t2s), cleaned,
and each paragraph and heading is mapped back to the original characters: t2s keeps a
line's length, so a span of the simplified line is the same span of the original. Text
that is no longer one span (a repeated sentence was dropped from its middle) is mapped
character by character, with the reading this page uses most for each character.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from ..normalize import looks_traditional, to_simplified

LOGGER = logging.getLogger(__name__)
_WINDOW = 64  # lines searched around the last match before mapping character by character


@dataclass
class Script:
    """The page's script, and the original of every line that was simplified."""

    traditional: bool = False
    _pairs: list[tuple[str, str]] = field(default_factory=list)  # (simplified, original)
    _cursor: int = 0
    _chars: dict[str, str] | None = None

    @classmethod
    def detect(cls, lines: list[str]) -> "Script":
        """Traditional when the page's text has enough traditional-only characters."""
        return cls(traditional=looks_traditional("\n".join(lines)))

    def simplify(self, lines: list[str]) -> list[str]:
        """Simplified copies of the lines, remembering their originals."""
        simplified = []
        for line in lines:
            shadow = to_simplified(line)
            if len(shadow) == len(line) and shadow != line:
                self._pairs.append((shadow, line))
            simplified.append(shadow)
        self._chars = None
        return simplified

    def original(self, text: str) -> str:
        """The page's own characters for a span of simplified text."""
        if not self.traditional or not text or not self._pairs:
            return text
        # Paragraphs come in page order: look near where the last one was found.
        count = len(self._pairs)
        for step in range(min(count, _WINDOW)):
            index = (self._cursor + step) % count
            shadow, line = self._pairs[index]
            start = shadow.find(text)
            if start >= 0:
                self._cursor = index
                return line[start:start + len(text)]
        return "".join(self._char_map().get(char, char) for char in text)

    def _char_map(self) -> dict[str, str]:
        if self._chars is None:
            counts: dict[str, Counter] = {}
            for shadow, line in self._pairs:
                for simple, original in zip(shadow, line):
                    counts.setdefault(simple, Counter())[original] += 1  # identity counts too (制定 keeps 制)
            self._chars = {simple: readings.most_common(1)[0][0] for simple, readings in counts.items()
                           if readings.most_common(1)[0][0] != simple}
        return self._chars
