"""Links that leave the page: printed on a QR sheet, sent over LINE, given to residents.

They are built on SITE_URL, the address people outside this machine reach the platform at,
never on the host a request happened to come to (a sheet printed from 127.0.0.1 would send
every officer's phone to itself).
"""

from django.conf import settings


def public_url(path: str, request=None) -> str:
    """Return PATH (starting with "/") as an absolute URL on SITE_URL.

    Without SITE_URL (a developer's machine; `check --deploy` warns in production), fall back
    to the host of REQUEST if given, else return PATH as it is.
    """
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if base:
        return f"{base}{path}"
    if request is not None:
        return request.build_absolute_uri(path)
    return path
