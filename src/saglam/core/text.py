"""Name folding and phonetic keys for Azerbaijani, Russian and English spellings of one name.

``fold`` makes search case- and diacritic-insensitive (``Əliyev`` → ``aliyev``; Cyrillic is
transliterated, ``Алиев`` → ``aliev``). ``phonetic`` maps the usual transliteration variants of a
name to one key (``Əliyev``, ``Aliyev``, ``Aliev``, ``Алиев`` → ``ALV``; ``Hüseynov`` and
``Guseynov`` → ``KuSNV``), for fuzzy search and duplicate blocking.
"""

from __future__ import annotations

import re
import unicodedata

_AZ = str.maketrans(
    {
        "ə": "a", "ı": "i", "ö": "o", "ü": "u", "ğ": "g", "ş": "s", "ç": "c",
        "Ə": "a", "I": "i", "İ": "i", "Ö": "o", "Ü": "u", "Ğ": "g", "Ş": "s", "Ç": "c",
        "ǝ": "a", "Ǝ": "a",
    }
)  # fmt: skip

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u", "ф": "f", "х": "kh",
    "һ": "h", "ц": "ts", "ч": "ch", "ҹ": "j", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ј": "y",
}  # fmt: skip

_NOT_NAME = re.compile(r"[^a-z\- ]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, ASCII, Azerbaijani letters and Cyrillic folded; keeps letters, spaces, hyphens."""
    text = unicodedata.normalize("NFC", text).translate(_AZ).lower()
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = _NOT_NAME.sub("", text)
    return _SPACES.sub(" ", text).strip()


_DIGRAPHS = (("dzh", "j"), ("dj", "j"), ("zh", "j"), ("sh", "s"), ("ch", "c"), ("kh", "x"),
             ("gh", "g"), ("ts", "s"), ("ph", "f"))  # fmt: skip
_CLASS = {
    "b": "B", "p": "B", "v": "V", "w": "V", "f": "V", "d": "D", "t": "D",
    "g": "K", "q": "K", "k": "K", "x": "K", "h": "K", "c": "J", "j": "J",
    "s": "S", "z": "S", "l": "L", "m": "M", "n": "N", "r": "R",
}  # fmt: skip
_VOWELS = set("aeiouy")
#: The first vowel after the first consonant is kept as a class: a/e/ə, i/ı, o/ö/u/ü.
_VOWEL_CLASS = {"a": "a", "e": "a", "i": "i", "o": "u", "u": "u"}


def phonetic(text: str) -> str:
    """A coarse sound key: consonant classes in order, the first inner vowel as a class, other
    vowels dropped (a leading vowel is ``A``)."""
    word = fold(text).replace("-", " ").split(" ")[0] if text else ""
    for digraph, single in _DIGRAPHS:
        word = word.replace(digraph, single)
    key: list[str] = []
    vowel_kept = False
    for index, ch in enumerate(word):
        if ch in _VOWELS:
            if index == 0:
                key.append("A")
                vowel_kept = True
            elif not vowel_kept and ch in _VOWEL_CLASS:
                key.append(_VOWEL_CLASS[ch])
                vowel_kept = True
            continue
        cls = _CLASS.get(ch)
        if cls and (not key or key[-1] != cls):
            key.append(cls)
    return "".join(key)[:12]


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """[low, high) bounds that select every string starting with ``prefix`` through a B-tree."""
    return prefix, prefix + "\uffff"


#: The Azerbaijani Latin alphabet in its own order (ç after c, ə after e, ğ after g, ı before i …).
AZ_ALPHABET = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
_AZ_RANK = {ch: i for i, ch in enumerate(AZ_ALPHABET)}


def az_sort_key(text: str) -> tuple[int, ...]:
    """Sort key putting Azerbaijani names in dictionary order (``Çələbi`` after ``Cəfərov``,
    ``Əliyev`` after ``Eyvazov``); other characters after the alphabet by code point."""
    lowered = unicodedata.normalize("NFC", text).replace("I", "ı").replace("İ", "i").lower()
    return tuple(_AZ_RANK.get(ch, 100 + ord(ch)) for ch in lowered)
