"""``|shy``: soft hyphens in the long Swedish compounds of our headings and buttons.

Chromium on Linux (and other browsers without a Swedish dictionary) ignores ``hyphens: auto``
for ``lang="sv"``, so "Tvåfaktorsautentisering" either overflows a narrow column or, with
``overflow-wrap: anywhere``, breaks at whatever letter the line ends on ("…autentiseri / ng").
A soft hyphen (U+00AD) is invisible unless the line breaks there, and then shows as "-": the
word breaks where a Swedish reader expects it, at the joint of the compound, or not at all.
"""

from __future__ import annotations

import re

from django import template

register = template.Library()

SOFT_HYPHEN = "\u00ad"

# The compounds of the UI that are long enough to meet a narrow line, with their joints.
JOINTS = (
    "två|faktors|autentisering",
    "konto|säkerhet",
    "enhets|aktivitet",
    "säkerhets|logg",
    "säkerhets|rutin",
    "autentiserings|app",
    "authenticator|app",
    "reserv|koder",
    "inloggnings|försök",
    "post|adress",
)
BREAKS = {joints.replace("|", ""): joints for joints in JOINTS}
LONG_WORD = re.compile(r"\w{8,}")


def _hyphenate(match: re.Match[str]) -> str:
    word = match.group(0)
    lower = word.lower()
    for compound, joints in BREAKS.items():
        start = lower.find(compound)
        if start == -1:
            continue
        out, position = [], 0
        for part in joints.split("|")[:-1]:
            out.append(word[position : start + len(part)])
            start, position = start + len(part), start + len(part)
        out.append(word[position:])
        return SOFT_HYPHEN.join(out)
    return word


def soft_hyphens(text: str) -> str:
    """``text`` with soft hyphens at the joints of the known long compounds."""
    return LONG_WORD.sub(_hyphenate, text)


# is_safe: a soft hyphen is not markup, so a safe string stays safe and any other is still
# escaped by autoescaping (the joints are letters, never inside an entity).
@register.filter(name="shy", is_safe=True)
def shy(value: object) -> str:
    """``value`` with soft hyphens at the joints of its long compounds."""
    return soft_hyphens(str(value))
