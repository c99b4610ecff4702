"""Say why a video analysis job failed or stopped part way, in the reader's language.

The face pipeline (cctv/pipeline, no Django inside) and the tasks store their reason in plain
English: it is what the log and the API keep. People read it through reason_text(), which
recognises the reasons of clip and file analysis and gives them translated, with their numbers.
A reason it does not know (a stream's, a future one) is shown as it was stored.
"""

import re

from django.utils.translation import gettext as _

_KNOWN = [
    (
        r"unreadable file: not a video, or a damaged or truncated one",
        lambda m: _("The file cannot be read: it is not a video, or it is damaged or cut short."),
    ),
    (
        r"not a video: no frames, frame rate or size could be read",
        lambda m: _("This is not a video: no frames, frame rate or picture size could be read."),
    ),
    (
        r"unreadable file: its first frame cannot be decoded",
        lambda m: _("The file cannot be read: its first frame cannot be decoded."),
    ),
    (
        r"truncated or corrupt video: it claims (\d+) frames but the last cannot be read",
        lambda m: (
            _(
                "The video is cut short or damaged: it says it has %(count)s frames but the last "
                "cannot be read."
            )
            % {"count": m[1]}
        ),
    ),
    (
        r"truncated video: it ends at frame (\d+) of (\d+)",
        lambda m: (
            _("The video is cut short: it ends at frame %(frame)s of %(count)s.")
            % {"frame": m[1], "count": m[2]}
        ),
    ),
    (
        r"truncated or corrupt video: frame (\d+) of (\d+) cannot be decoded",
        lambda m: (
            _("The video is cut short or damaged: frame %(frame)s of %(count)s cannot be decoded.")
            % {"frame": m[1], "count": m[2]}
        ),
    ),
    (
        r"corrupt video: frame (\d+) cannot be decoded",
        lambda m: _("The video is damaged: frame %(frame)s cannot be decoded.") % {"frame": m[1]},
    ),
    (
        r"the time window ended before the job could start",
        lambda m: _("The time window ended before the job could start."),
    ),
    (
        r"internal error: (\w+)",
        lambda m: (
            _("The analysis stopped on an internal error (%(name)s); it is in the log.")
            % {"name": m[1]}
        ),
    ),
]
_PATTERNS = [(re.compile(pattern), say) for pattern, say in _KNOWN]


def reason_text(reason: str) -> str:
    """Return REASON (as stored on a job) in the active language, or as it is if unknown."""
    for pattern, say in _PATTERNS:
        match = pattern.fullmatch(reason.strip())
        if match:
            return say(match)
    return reason
