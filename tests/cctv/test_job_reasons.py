"""Why a clip's analysis failed or stopped part way is told in the reader's language (the
pipeline stores it in English for the log and the API)."""

import pytest
from django.utils import translation

from cctv.reasons import reason_text

# Every reason clip and file analysis stores (cctv/pipeline/video.py, cctv/tasks.py,
# cctv/analysis.py), and a piece of its Thai text that carries its numbers.
STORED = [
    ("unreadable file: not a video, or a damaged or truncated one", "อ่านไฟล์ไม่ได้"),
    ("not a video: no frames, frame rate or size could be read", "ไม่ใช่วิดีโอ"),
    ("unreadable file: its first frame cannot be decoded", "เฟรมแรก"),
    (
        "truncated or corrupt video: it claims 250 frames but the last cannot be read",
        "มี 250 เฟรม",
    ),
    ("truncated video: it ends at frame 40 of 250", "เฟรม 40 จาก 250"),
    ("truncated or corrupt video: frame 41 of 250 cannot be decoded", "เฟรม 41 จาก 250"),
    ("corrupt video: frame 42 cannot be decoded", "เฟรม 42"),
    ("the time window ended before the job could start", "ช่วงเวลา"),
    ("internal error: MemoryError", "(MemoryError)"),
]


@pytest.mark.parametrize(("stored", "thai"), STORED)
def test_each_stored_reason_of_a_clip_reads_in_thai_with_its_numbers(stored, thai):
    with translation.override("th"):
        text = reason_text(stored)
    assert thai in text and stored not in text


@pytest.mark.parametrize("stored", [stored for stored, _thai in STORED])
def test_each_stored_reason_reads_in_english_too(stored):
    with translation.override("en"):
        text = reason_text(stored)
    assert text.isascii() and text != stored and text[0].isupper() and text.endswith(".")


def test_a_reason_it_does_not_know_is_shown_as_stored():
    with translation.override("th"):
        assert reason_text("the stream stopped sending frames for 30 s") == (
            "the stream stopped sending frames for 30 s"
        )
        assert reason_text("") == ""
