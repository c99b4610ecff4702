"""Remove personal data from text that is about to become a public notice, or from a note
about someone who asked to be erased."""

import re

from django.utils.translation import gettext as _

_PATTERNS = [
    # Thai national id: 13 digits, often written 1-2345-67890-12-3.
    (re.compile(r"\b\d[- ]?\d{4}[- ]?\d{5}[- ]?\d{2}[- ]?\d\b"), "id"),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "email"),
    # Phone numbers: 0X-XXX-XXXX, 0XX-XXX-XXXX, +66 ...
    (re.compile(r"(?:\+66|\b0)[\d -]{7,12}\d\b"), "phone"),
    # A person's name after a Thai or English title, with the surname if there is one.
    (
        re.compile(
            r"(?:นางสาว|นาย|นาง|น\.ส\.|ด\.ช\.|ด\.ญ\.|เด็กชาย|เด็กหญิง|Mrs?\.|Ms\.|Miss)\s*"
            r"[^\s\d,.;:()]+(?:\s+[^\s\d,.;:()]+)?"
        ),
        "name",
    ),
    (re.compile(r"(?:บ้านเลขที่|เลขที่)\s*\d+(?:/\d+)?"), "address"),
    (re.compile(r"(?<![\w.])@[A-Za-z0-9._-]{3,}"), "line"),
]


def _placeholder(kind: str) -> str:
    return {
        "id": _("[id removed]"),
        "email": _("[email removed]"),
        "phone": _("[phone removed]"),
        "name": _("[name removed]"),
        "address": _("[address removed]"),
        "line": _("[LINE id removed]"),
    }[kind]


def _known_patterns(names, phones) -> list[tuple[re.Pattern, str]]:
    """Patterns for the personal data a record names: each part of a name as written, and a
    phone number in any spacing or dashes."""
    found = []
    for name in names:
        for part in sorted(set((name or "").split()), key=len, reverse=True):
            if len(part) >= 2:
                found.append((re.compile(re.escape(part), re.IGNORECASE), "name"))
    for phone in phones:
        digits = re.sub(r"\D", "", phone or "")
        if len(digits) >= 6:
            found.append((re.compile(r"[\s-]?".join(digits)), "phone"))
    return found


def scrub(text: str, *, names=(), phones=()) -> str:
    """Return TEXT with names, phone numbers, ids, e-mail and house numbers replaced.

    NAMES and PHONES are what the record itself says of a person (a reporter's name and phone):
    they go even where they are written without a title or in an unusual shape.
    """
    for pattern, kind in _known_patterns(names, phones) + _PATTERNS:
        text = pattern.sub(_placeholder(kind), text)
    return text


def scrub_known(text: str, *, names=(), phones=()) -> str:
    """Return TEXT with only these NAMES and PHONES replaced: what is said of anyone else
    stays."""
    for pattern, kind in _known_patterns(names, phones):
        text = pattern.sub(_placeholder(kind), text)
    return text
