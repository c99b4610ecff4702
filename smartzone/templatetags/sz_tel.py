"""{% load sz_tel %} ... <a href="{{ phone|tel_href }}">: a phone number as a tel: link."""

import re

from django import template

register = template.Library()


@register.filter
def tel_href(phone: str) -> str:
    """Return "tel:" and the number's digits (and a leading +), without spaces or dashes."""
    phone = (phone or "").strip()
    digits = re.sub(r"[^0-9]", "", phone)
    return f"tel:{'+' if phone.startswith('+') else ''}{digits}"
