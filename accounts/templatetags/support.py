"""``{% support_email as address %}``: the support address on every page that offers help.

The help article promises "Kontakta support" one click away; allauth's own pages (password reset,
email verification) only said "contact us", with no address. A tag, not a context processor:
only the few pages that show the link pay for it, and no view has to remember to pass it.
"""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def support_email() -> str:
    return settings.SUPPORT_EMAIL
