"""Face ID a station can trust (issue 17): quality before identity, evidence before an alert,
small faces found. Real faces (tests/cctv/photos), real models, small clips."""

import cv2
import pytest

from cctv.pipeline import (
    Evidence,
    FaceCounts,
    FaceEmbedder,
    WatchlistMatcher,
    analyse_frames,
    detect_faces,
    read_clip,
)
from tests.cctv import faces

BIDEN = 7  # the watchlist entry id of the enrolled man


@pytest.fixture(scope="module")
def matcher():
    """Joe Biden enrolled from two photos; the clips show a third photo of him."""
    embedder = FaceEmbedder()
    vectors = [embedder.embed_single(faces.photo("joe_biden", n)) for n in (1, 2)]
    return WatchlistMatcher(vectors, [BIDEN, BIDEN])


def run(path, matcher, **kwargs):
    counts = FaceCounts()
    found = list(analyse_frames(read_clip(str(path)), matcher, counts=counts, **kwargs))
    return found, counts


def test_a_look_alike_at_small_size_raises_no_alert_but_the_enrolled_man_at_full_size_does(
    tmp_path, matcher
):
    # Barack Obama's photo 2, 30 px wide in a JPEG-50 frame, came to 0.58 of a photo of Joe
    # Biden in bench/face_accuracy.py (the old threshold was 0.6).
    obama, biden = faces.photo("barack_obama", 2), faces.photo("joe_biden", 3)
    small = faces.walk([(obama, 30, 80, 120), (biden, 30, 400, 120)], 6, (640, 360), quality=50)
    found, counts = run(faces.write_clip(tmp_path / "small.avi", small, fps=5), matcher)
    assert found == []
    assert counts.compared == 0 and counts.unjudged["small"] == 2

    full = faces.walk([(obama, 120, 80, 120), (biden, 120, 700, 120)], 6, (1280, 720))
    found, counts = run(faces.write_clip(tmp_path / "full.avi", full, fps=5), matcher)
    assert [(a.match.entry_id, a.tier) for a in found] == [(BIDEN, "strong")]
    assert found[0].frames >= 3 and found[0].match.distance < 0.47
    assert counts.compared == 2  # Obama was compared too, and matched nobody


def test_a_40_px_face_in_a_2688_wide_frame_is_found_and_a_32_px_one_only_counted(tmp_path, matcher):
    biden = faces.photo("joe_biden", 3)
    frames = faces.walk([(biden, 40, 1500, 900)], 4, (2688, 1520), (10, 3), quality=80)
    # Shrunk to 640 px wide, as before issue 17, the face is 10 px: not found.
    assert detect_faces(frames[0], min_face_px=None) == []
    found, counts = run(faces.write_clip(tmp_path / "wide.mp4", frames, fps=5), matcher)
    assert [(a.match.entry_id, a.frames) for a in found] == [(BIDEN, 3)]

    frames = faces.walk([(biden, 32, 1500, 900)], 4, (2688, 1520), (10, 3), quality=80)
    assert [f.w for f in detect_faces(frames[0])] == [32]  # tracked ...
    found, counts = run(faces.write_clip(tmp_path / "tiny.mp4", frames, fps=5), matcher)
    assert found == []  # ... never matched, and counted
    assert counts.as_dict() == {"compared": 0, "small": 1}


def test_one_frames_match_raises_no_alert_and_the_required_frames_raise_exactly_one(
    tmp_path, matcher
):
    biden = faces.photo("joe_biden", 3)
    empty = faces.walk([], 4)
    seen = faces.walk([(biden, 120, 300, 100)], 3)
    once = faces.write_clip(tmp_path / "once.avi", seen[:1] + empty, fps=5)
    thrice = faces.write_clip(tmp_path / "thrice.avi", seen + empty, fps=5)
    evidence = Evidence(frames=3)

    found, counts = run(once, matcher, evidence=evidence, max_gap=2)
    assert found == [] and counts.compared == 1

    found, counts = run(thrice, matcher, evidence=evidence, max_gap=2)
    assert len(found) == 1 and found[0].frames == 3 and found[0].match.entry_id == BIDEN
    # The review shows the best crops side by side: three crops, one strip.
    assert found[0].crop.shape[1] > 2 * found[0].crop.shape[0]


def test_a_blurred_face_is_tracked_and_counted_as_too_blurred_never_matched(tmp_path, matcher):
    biden = faces.photo("joe_biden", 3)
    frames = [
        cv2.GaussianBlur(frame, (0, 0), 3)
        for frame in faces.walk([(biden, 120, 300, 100)], 5, (1280, 720))
    ]
    assert len(detect_faces(frames[0])) == 1  # still found ...
    found, counts = run(faces.write_clip(tmp_path / "blur.avi", frames, fps=5), matcher)
    assert found == []  # ... never compared
    assert counts.as_dict() == {"compared": 0, "blurred": 1}
