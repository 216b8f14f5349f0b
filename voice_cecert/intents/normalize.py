"""One spelling for every text the intent stage compares.

Recognisers emit lowercase words ("seven", "it's"), people type "7" or "It's!", and hassil's
number ranges sample both digits and words. Everything is brought to lowercase words separated
by single spaces, numbers spelled out, so templates, grammar phrases and transcripts agree.
"""

from __future__ import annotations

import re
import unicodedata

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

_NUMBER = re.compile(r"\d+")
# Letters of any script survive (an intents file may be Korean); digits are spelled out first.
_NOT_WORD = re.compile(r"[^\w' ]+|_+")
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_SPACES = re.compile(r"\s+")


def number_words(n: int) -> str:
    """Spell 0..999 as recognisers do ("one hundred and twenty"); larger stays as digits."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = f"{_ONES[hundreds]} hundred"
        return head + (f" and {number_words(rest)}" if rest else "")
    return str(n)


def normalize(text: str) -> str:
    """Lowercase words only: digits spelled out, hyphens split, punctuation dropped."""
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    text = _NUMBER.sub(lambda m: f" {number_words(int(m.group()))} ", text)
    text = _NOT_WORD.sub(" ", text)
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
