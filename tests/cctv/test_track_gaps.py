"""Tracks end after a gap in seconds, not frames (issue 22): a live reader that skipped 3.4 s
of video must not let a face join the track of whoever stood there before."""

from cctv.pipeline.track import Tracker
from tests.cctv import faces


def _face_at(frame):
    return faces.face_box(frame)


def test_a_face_seconds_later_at_the_same_place_starts_its_own_track():
    frame = faces.frame_of(faces.person_a(), 60)
    face = _face_at(frame)
    tracker = Tracker(max_gap=5, max_gap_s=1.0)
    new, _ = tracker.update(0, 0.0, frame, [face])
    assert len(new) == 1
    # The next sampled frame, but 3.4 s later in the stream: the same place, the same look.
    new_later, closed = tracker.update(1, 3.4, frame, [face])
    assert [t.id for t in closed] == [new[0].id]
    assert len(new_later) == 1 and new_later[0].id != new[0].id
    assert new_later[0].start_time == 3.4


def test_a_face_within_the_gap_keeps_its_track():
    frame = faces.frame_of(faces.person_a(), 60)
    face = _face_at(frame)
    tracker = Tracker(max_gap=5, max_gap_s=1.0)
    new, _ = tracker.update(0, 0.0, frame, [face])
    again, closed = tracker.update(1, 0.8, frame, [face])
    assert again == [] and closed == [] and tracker.open[0].hits == 2
