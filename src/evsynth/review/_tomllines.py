"""Map review.toml keys to line numbers, so that errors can point at the offending line.

tomllib gives no positions, so the text is scanned line by line: table headers (``[name]``,
``[[name]]``, counting each array-of-tables block) and ``key = value`` lines. Multi-line
strings and arrays are skipped over well enough for review.toml's needs.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?)\s*=""")


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if part[:1] in "\"'" and part[-1:] == part[:1] else part


class TomlLines:
    """Line numbers of the tables and keys of a TOML text (1-based)."""

    def __init__(self, text: str):
        self._lines: dict[tuple, int] = {}
        counts: dict[tuple, int] = {}
        table: tuple = ()
        in_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                in_string = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
                continue
            header = _HEADER.match(line)
            if header:
                name = tuple(_unquote(p) for p in header.group(2).split("."))
                if header.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    table = (*name, index)
                else:
                    table = name
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                path = (*table, *(_unquote(p) for p in key.group(1).split(".")))
                self._lines.setdefault(path, number)
                if line.count('"""') % 2 or line.count("'''") % 2:
                    in_string = True

    def line(self, path) -> int | None:
        """Line of ``path`` (e.g. ``("outcome", 1, "direction")``), else of its nearest table."""
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None
