"""What keeps a camera cheap (issue 17, cost per camera), on real faces: the detector searches
only around what changed and still finds what the whole search finds; the whole frame is
searched now and then while something keeps moving; a face that matched nobody is not embedded
again in every frame, unless it comes nearer."""

import numpy as np
import pytest

from cctv.pipeline import FaceEmbedder, SceneGate, WatchlistMatcher, analyse_frames, detect_faces
from cctv.pipeline.analyse import RECHECK_S
from cctv.pipeline.scene import WHOLE_EVERY_S
from tests.cctv import faces

BIDEN = 7


@pytest.fixture(scope="module")
def embedder():
    return FaceEmbedder()


@pytest.fixture(scope="module")
def matcher(embedder):
    vectors = [embedder.embed_single(faces.photo("joe_biden", n)) for n in (1, 2)]
    return WatchlistMatcher(vectors, [BIDEN, BIDEN])


def grid_around(frame, box, cell=16):
    """Return the scene gate's grid for FRAME with the cells of BOX (x, y, w, h) changed."""
    height, width = frame.shape[:2]
    grid = np.zeros((height // cell, width // cell), bool)
    x, y, w, h = box
    grid[y // cell : (y + h) // cell + 1, x // cell : (x + w) // cell + 1] = True
    return grid


def test_a_40_px_face_is_found_by_searching_only_where_the_scene_changed():
    biden, kit = faces.photo("joe_biden", 3), faces.photo("kit_harington", 2)
    frame = faces.street_frame([(biden, 40, 1500, 900), (kit, 64, 300, 200)], (2688, 1520))
    whole = detect_faces(frame)
    assert sorted(f.w for f in whole) == pytest.approx([40, 64], abs=6)
    biden_box = next(f for f in whole if f.w < 52).box

    around_biden = detect_faces(frame, changed=grid_around(frame, biden_box))
    assert [f.box for f in around_biden] == [biden_box]  # Kit, who did not move, not searched
    assert detect_faces(frame, changed=np.zeros((95, 168), bool)) == []


def test_when_most_of_the_frame_changed_it_is_searched_whole():
    biden, kit = faces.photo("joe_biden", 3), faces.photo("kit_harington", 2)
    frame = faces.street_frame([(biden, 40, 1500, 900), (kit, 64, 300, 200)], (2688, 1520))
    everything = np.ones((95, 168), bool)
    assert sorted(f.box for f in detect_faces(frame, changed=everything)) == sorted(
        f.box for f in detect_faces(frame)
    )


def test_the_gate_asks_for_a_whole_frame_search_every_refresh_interval_while_things_move():
    biden = faces.photo("joe_biden", 3)
    frames = faces.walk([(biden, 80, 100, 200)], 9, (640, 360), step_px=(20, 0))
    gate = SceneGate(refresh_every=4)
    wholes = []
    for frame in frames:
        assert gate.needs_detection(frame)  # he moves in every frame
        wholes.append(gate.changed is None)
    assert wholes == [True, False, False, False] * 2 + [True]


@pytest.mark.parametrize("fps", [1, 5])
def test_while_things_move_the_whole_frame_is_searched_every_few_seconds_of_stream_time(fps):
    biden = faces.photo("joe_biden", 3)
    frames = faces.walk([(biden, 80, 100, 200)], 5, (640, 360), step_px=(20, 0))
    gate = SceneGate()
    wholes = []
    for k in range(10 * fps):
        assert gate.needs_detection(frames[k % 5], k / fps)  # he moves in every frame
        if gate.changed is None:
            wholes.append(k / fps)
    # Whatever the sampling rate: at the start, then every WHOLE_EVERY_S seconds.
    assert wholes == [n * WHOLE_EVERY_S for n in range(int(10 / WHOLE_EVERY_S) + 1)]


def test_a_face_that_stands_still_and_was_never_detected_is_found_within_seconds(matcher):
    """Joe Biden comes slowly out of the shade and stands still while Obama walks by: no
    sample differs from the last one by enough to count as change where Biden is, so only a
    whole-frame search can find him. Sampled at 1 fps, that search (every 10th detection, as
    it was) could wait 10 s after he became visible; now it comes every WHOLE_EVERY_S of
    stream time."""
    biden, obama = faces.photo("joe_biden", 3), faces.photo("barack_obama", 1)
    frames = []
    for k in range(30):
        walker = (obama, 80, 40 + 25 * k, 60)
        without = faces.street_frame([walker], (1280, 720), seed=k).astype(np.float32)
        with_him = faces.street_frame([walker, (biden, 90, 900, 420)], (1280, 720), seed=k)
        # From the 8th second, at most 255/31 = 8 grey levels a sample: never "change".
        share = float(np.clip((k - 8) / 31, 0, 1))
        frames.append((without * (1 - share) + with_him * share).round().astype(np.uint8))
    # The first second in which the detector, searching the whole frame, could see him.
    seen_from = next(
        k for k, frame in enumerate(frames) if any(f.x > 800 for f in detect_faces(frame))
    )
    assert 8 < seen_from < 25

    gate = SceneGate()
    found = list(analyse_frames(enumerate_samples(frames, fps=1), matcher, gate=gate))

    assert [(a.match.entry_id, a.tier) for a in found] == [(BIDEN, "strong")]
    assert seen_from <= found[0].start_time <= seen_from + WHOLE_EVERY_S
    assert gate.skips == 0  # Obama walked in every sample: every one went to the detector
    assert gate.wholes == 1 + (len(frames) - 1) // WHOLE_EVERY_S


class CountingEmbedder(FaceEmbedder):
    def __init__(self):
        self.chips = 0

    def embed_chip(self, chip):
        self.chips += 1
        return super().embed_chip(chip)


def test_a_face_that_matches_nobody_is_embedded_again_only_now_and_then(matcher):
    obama = faces.photo("barack_obama", 1)
    frames = faces.walk([(obama, 90, 100, 150)], 25, (1280, 720), step_px=(8, 0))
    embedder = CountingEmbedder()
    found = list(analyse_frames(enumerate_samples(frames), matcher, embedder=embedder))
    assert found == []
    # 25 looks at 5 a second: the first, then one every RECHECK_S (not 12, as before)
    assert embedder.chips == 1 + (25 - 1) // round(RECHECK_S * 5)


def test_a_face_that_matches_nobody_is_embedded_again_when_it_comes_nearer(matcher):
    obama = faces.photo("barack_obama", 1)
    frames = [
        faces.street_frame([(obama, width, 300, 150)], (1280, 720), seed=i)
        for i, width in enumerate([60, 61, 62, 63, 80, 81, 82, 100, 101])
    ]
    embedder = CountingEmbedder()
    assert list(analyse_frames(enumerate_samples(frames), matcher, embedder=embedder)) == []
    assert embedder.chips == 3  # at 60, 80 and 100 px: each 20 % nearer than the last


def test_the_enrolled_man_still_raises_one_strong_alert_from_consecutive_frames(matcher):
    biden, obama = faces.photo("joe_biden", 3), faces.photo("barack_obama", 1)
    frames = faces.walk([(obama, 90, 100, 150), (biden, 90, 700, 150)], 8, (1280, 720))
    embedder = CountingEmbedder()
    found = list(analyse_frames(enumerate_samples(frames), matcher, embedder=embedder))
    assert [(a.match.entry_id, a.tier, a.start_frame) for a in found] == [(BIDEN, "strong", 0)]
    assert embedder.chips == 1 + 3  # Obama once; Biden in three frames, then settled


def enumerate_samples(frames, fps=5):
    return ((i, i / fps, frame) for i, frame in enumerate(frames))
