"""Text keys the search index compares: folded text, transliteration skeletons, trigrams, words.

Names reach lemap spelt many ways — "Kyiv" and "Kiev", "Kyrgyzstan" and "Kirgizstan", "Việt Nam",
"MoI" — so every name is compared through keys that forget what does not tell names apart:
:func:`fold` drops case, accents and punctuation; :func:`skeleton` also drops vowels and merges
letters that transliterations swap, so two romanisations of one Cyrillic name meet.

>>> fold("  Việt-Nam ")
'viet nam'
>>> skeleton("Kyrgyzstan") == skeleton("Kirgizstan"), skeleton("Kharkov") == skeleton("Kharkiv")
(True, True)
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+|_+")
_DIGRAPHS = (("kh", "h"), ("ph", "f"), ("ck", "k"), ("sch", "s"), ("sh", "s"), ("zh", "s"), ("ch", "c"), ("ts", "c"))
# Letters that romanisations of one name trade for each other (Kirgiz/Kyrgyz, Kiev/Kyiv, Odessa/Odesa).
_MERGE = str.maketrans({"q": "k", "c": "k", "z": "s", "w": "v", "j": "i", "y": "i", "x": "s"})
_VOWELS = set("aeiou")


def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents and turn every run of punctuation or space into one space.

    :param text: any text.

    >>> fold("Côte d'Ivoire"), fold("HIV/AIDS")
    ('cote d ivoire', 'hiv aids')
    """
    if not text.isascii():  # most names are ASCII: skip the per-character pass for them
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def words(text: str) -> list[str]:
    """The folded words of ``text``.

    >>> words("National Police (Ukraine)")
    ['national', 'police', 'ukraine']
    """
    return fold(text).split()


def skeleton(text: str) -> str:
    """A transliteration-blind key: folded words, digraphs merged, vowels after the first letter dropped.

    :param text: a name.

    >>> skeleton("Kiev"), skeleton("Kyiv"), skeleton("Odessa") == skeleton("Odesa")
    ('kv', 'kv', True)
    """
    return " ".join(_word_skeleton(w) for w in words(text))


def _word_skeleton(word: str) -> str:
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    word = word.translate(_MERGE)
    kept = [c for i, c in enumerate(word) if i == 0 or c not in _VOWELS and c != "i"]
    return "".join(c for i, c in enumerate(kept) if i == 0 or c != kept[i - 1])


def trigrams(text: str) -> list[str]:
    """The distinct three-character pieces of ``text`` (folded), in order of first appearance.

    >>> trigrams("Kiev")
    ['kie', 'iev']
    """
    folded = fold(text)
    seen = dict.fromkeys(folded[i : i + 3] for i in range(len(folded) - 2))
    return [g for g in seen if g.strip() and " " not in g.strip()]

