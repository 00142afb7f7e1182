"""Traditional-script pages: clean a simplified shadow, show the page's own characters.

Every rule of the cleaner (metadata labels, report kinds, heading cues) is written in
simplified Chinese. A traditional page is converted line by line (OpenCC t2s), cleaned,
and each paragraph and heading is mapped back to the original characters: t2s keeps a
line's length, so a span of the simplified line is the same span of the original.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..normalize import looks_traditional, to_simplified

LOGGER = logging.getLogger(__name__)


@dataclass
class Script:
    """The page's script, and the original of every line that was simplified."""

    traditional: bool = False
    _pairs: list[tuple[str, str]] = field(default_factory=list)  # (simplified, original)

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
        return simplified

    def original(self, text: str) -> str:
        """The page's own characters for a span of simplified text (itself when not found)."""
        if not self.traditional or not text:
            return text
        for shadow, line in self._pairs:
            start = shadow.find(text)
            if start >= 0:
                return line[start:start + len(text)]
        LOGGER.debug("no original found for %r; keeping the simplified text", text[:30])
        return text
