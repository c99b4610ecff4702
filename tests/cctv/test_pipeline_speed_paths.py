"""The two short cuts of the clip pipeline, on real faces: motion-JPEG frames that are skipped
undecoded, and the scene gate that keeps the last detection for an unchanged frame. Each must
give what the long way gives."""

import cv2
import numpy as np
import pytest

from cctv.pipeline import (
    FaceEmbedder,
    SceneGate,
    VideoError,
    WatchlistMatcher,
    analyse_frames,
    read_clip,
    video,
)
from tests.cctv import faces


@pytest.fixture(scope="module")
def frames():
    return faces.clip_frames(seconds_a=2.0, seconds_b=2.0)


@pytest.fixture(scope="module")
def matcher_a():
    embedding = FaceEmbedder().embed_single(faces.person_a_enrollment())
    return WatchlistMatcher(embedding[None, :], np.array([7]))


def _read(path, **kwargs):
    return [
        (index, round(time_s, 3), frame) for index, time_s, frame in read_clip(str(path), **kwargs)
    ]


def test_a_motion_jpeg_clip_yields_the_same_samples_as_a_clip_decoded_frame_by_frame(
    tmp_path, frames
):
    mjpg = _read(faces.write_clip(tmp_path / "ab.avi", frames))
    mp4v = _read(faces.write_clip(tmp_path / "ab.mp4", frames))
    assert [(i, t) for i, t, _ in mjpg] == [(i, t) for i, t, _ in mp4v]
    assert [i for i, _, _ in mjpg] == list(range(0, len(frames), 5))
    for index, _, frame in mjpg:
        assert frame.shape == frames[index].shape
        # JPEG is lossy: the decoded sample is the written frame, give or take a few levels.
        assert np.abs(frame.astype(int) - frames[index].astype(int)).mean() < 4


def test_a_motion_jpeg_clip_resumed_part_way_yields_the_same_later_samples(tmp_path, frames):
    path = faces.write_clip(tmp_path / "ab.avi", frames)
    whole = _read(path)
    resumed = _read(path, start_frame=37)
    assert [i for i, _, _ in resumed] == [i for i, _, _ in whole if i >= 37]
    assert np.array_equal(resumed[0][2], [f for i, _, f in whole if i >= 37][0])


def test_a_motion_jpeg_clip_whose_pictures_are_half_frames_is_decoded_frame_by_frame(
    tmp_path, frames, monkeypatch
):
    """Interlaced capture cards store each frame as two JPEG fields: decoded alone, a packet
    gives a half-height picture. Such a clip must go through the video decoder."""
    path = faces.write_clip(tmp_path / "ab.avi", frames)
    expected = _read(path)
    real_imdecode = cv2.imdecode

    def one_field(buffer, flags):
        picture = real_imdecode(buffer, flags)
        return None if picture is None else picture[::2]

    monkeypatch.setattr(video.cv2, "imdecode", one_field)
    fielded = _read(path)
    assert [i for i, _, _ in fielded] == [i for i, _, _ in expected]
    for (_, _, got), (_, _, want) in zip(fielded, expected, strict=True):
        assert got.shape == want.shape
        assert np.abs(got.astype(int) - want.astype(int)).mean() < 4


def test_a_motion_jpeg_clip_with_a_damaged_picture_ends_in_a_video_error(tmp_path, frames):
    path = faces.write_clip(tmp_path / "ab.avi", frames)
    data = bytearray(path.read_bytes())
    # Wipe the JPEG start markers of every picture after the first few: the container still
    # lists the frames, but they no longer decode.
    starts = [i for i in range(len(data) - 3) if data[i : i + 3] == b"\xff\xd8\xff"]
    assert len(starts) == len(frames)
    for start in starts[10:]:
        data[start : start + 64] = bytes(64)
    path.write_bytes(bytes(data))
    with pytest.raises(VideoError) as caught:
        _read(path)
    assert "corrupt" in caught.value.reason


def test_the_gate_skips_an_unchanged_or_noisy_scene_and_not_a_newcomer():
    empty = faces.frame_of(faces.no_face(), 0)
    gate = SceneGate(refresh_every=10)
    assert gate.needs_detection(empty)
    assert not gate.needs_detection(empty.copy())
    noise = np.random.default_rng(3).normal(0, 6, empty.shape)
    assert not gate.needs_detection(np.clip(empty + noise, 0, 255).astype(np.uint8))
    # A small face (about 40 px) stepping into one corner is change.
    with_face = empty.copy()
    with_face[400:440, 560:600] = cv2.resize(faces.person_a()[60:260, 150:330], (40, 40))
    assert gate.needs_detection(with_face)


def test_the_gate_sends_a_frame_to_the_detector_at_least_every_refresh_interval():
    frame = faces.frame_of(faces.no_face(), 0)
    gate = SceneGate(refresh_every=4)
    looked = [gate.needs_detection(frame) for _ in range(12)]
    assert looked == [True, False, False, False] * 3
    gate.forget()
    assert gate.needs_detection(frame)


def test_someone_entering_an_empty_scene_is_matched_from_the_frame_they_enter(matcher_a):
    """Five still seconds of an empty scene, then A steps in and stands still for five more:
    the gate skips most frames, yet A's appearance starts on the first sample showing A and is
    raised once, as it is with the detector on every frame."""
    empty = np.full((480, 640, 3), 60, np.uint8)
    standing = faces.frame_of(faces.person_a(), 100)
    clip = [empty] * 125 + [standing] * 125
    samples = [(i, i / 25, clip[i]) for i in range(0, len(clip), 5)]

    gate = SceneGate()
    gated = list(analyse_frames(samples, matcher_a, gate=gate))
    every = list(analyse_frames(samples, matcher_a, gate=SceneGate(refresh_every=1)))

    assert [(a.match.entry_id, a.start_frame) for a in gated] == [(7, 125)]
    assert [(a.match.entry_id, a.start_frame, a.end_time) for a in every] == [
        (a.match.entry_id, a.start_frame, a.end_time) for a in gated
    ]
    assert gate.skips > gate.detections  # 50 samples, the detector on few of them
