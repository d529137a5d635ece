"""The protocol's keywords, and a record's text with them marked, safely escaped."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from markupsafe import Markup, escape

__all__ = ["eligibility_keywords", "highlight", "keywords_from_toml"]

# words of eligibility criteria that say nothing about a record's topic
_STOPWORDS = frozenset(
    """
    about above after again against all also and any are around because been before being
    below between both but can could did does doing down during each either else etc ever
    every few for from further had has have having her here hers him his how into its itself
    just least less like more most much must neither nor not now off once only other our out
    over own per same she should some such than that the their them then there these they
    this those through too under until upon very via was were what when where which while
    who whom why will with within without would yes you your any usual care active sham
    waitlist adults adult aged years year least weeks week delivered trained same condition
    condition conditions study studies trial trials design designs randomised randomized
    controlled
    """.split()
)
_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]|[^\W\d_]{2}", re.UNICODE)


def eligibility_keywords(texts: Iterable[str], *, min_length: int = 4) -> tuple[str, ...]:
    """The words of eligibility criteria worth highlighting, lower case, in order of first use.

    Parameters
    ----------
    texts : iterable of str
        The criteria (population, intervention, comparator, outcomes, designs).
    min_length : int, default 4
        Shorter words are left out, and so are common English words.

    Examples
    --------
    >>> eligibility_keywords(["Adults with chronic pain", "Peer support by trained peers"])
    ('chronic', 'pain', 'peer', 'support', 'peers')
    """
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(text or ""):
            word = word.casefold()
            if len(word) >= min_length and word not in _STOPWORDS:
                seen.setdefault(word, None)
    return tuple(seen)


def keywords_from_toml(path: str | Path) -> tuple[str, ...]:
    """The keywords of a review.toml: ``[screening] keywords`` when given, otherwise the words
    of its ``[eligibility]`` criteria; () when the file is missing.

    Raises
    ------
    ValueError
        The file is not valid TOML (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: {error}") from None
    given = data.get("screening", {}).get("keywords")
    if isinstance(given, list) and all(isinstance(word, str) for word in given):
        return tuple(word.strip() for word in given if word.strip())
    texts: list[str] = []
    for value in data.get("eligibility", {}).values():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            texts.extend(item for item in value if isinstance(item, str))
    return eligibility_keywords(texts)


def highlight(text: str | None, keywords: Sequence[str]) -> Markup:
    """``text`` HTML-escaped, with words starting with a keyword wrapped in ``<mark>``.

    The text is split on the keywords first and every piece is escaped on its own, so a
    record's markup shows as text and a keyword never matches inside an escape such as
    ``&amp;``.

    Examples
    --------
    >>> str(highlight("Peer support <script>x</script> & pain", ["peer", "pain"]))
    '<mark>Peer</mark> support &lt;script&gt;x&lt;/script&gt; &amp; <mark>pain</mark>'
    """
    if not text:
        return Markup("")
    words = sorted({w for w in keywords if w}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        r"\b(?:" + "|".join(re.escape(w) for w in words) + r")[\w-]*", re.IGNORECASE
    )
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(str(escape(text[last : match.start()])))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(str(escape(text[last:])))
    return Markup("".join(pieces))
