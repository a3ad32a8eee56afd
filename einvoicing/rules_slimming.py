"""How the one shipped schema over 2 MB was slimmed: its ``xsd:annotation`` blocks (documentation only) removed.

Why: the repository keeps each file under 2 MB; ``UBL-CommonAggregateComponents-2.1.xsd`` of the OASIS UBL 2.1
release is 2.4 MB, nine tenths of it documentation that validation never reads. The slimmed file says so in a
comment after its XML declaration (Apache-2.0 section 4(b): a modified file carries a notice), and
tests/unit/einvoicing/test_rules_shipped.py checks that it is exactly the release's file slimmed by :func:`slim`.
"""
from __future__ import annotations

import re

SLIMMED = ("UBL/1xsd_UBL2.1/common/UBL-CommonAggregateComponents-2.1.xsd",)
NOTICE = ("<!-- Modified by lettrage: the xsd:annotation blocks (documentation only) are removed to keep the file "
          "under 2 MB; every declaration is the release's own. -->\n")
_ANNOTATION = re.compile(r"[ \t]*<xsd:annotation>.*?</xsd:annotation>\s*\n", re.DOTALL)


def slim(original: str) -> str:
    """The release's schema text without its annotations, with the notice after the XML declaration."""
    text = _ANNOTATION.sub("", original)
    end = text.index("?>") + 2
    return text[:end] + "\n" + NOTICE + text[end:].lstrip("\n")
