"""The labelled real photos the accuracy figures rest on (tests/cctv/photos): enough people,
each photo one face, every file's source in the README, and the labels right (each photo of a
person with several lies nearer to another photo of that person than to anyone else's)."""

from pathlib import Path

import numpy as np
import pytest

from cctv.pipeline import FaceEmbedder, detect_faces
from cctv.pipeline.accuracy import people_in
from cctv.pipeline.embed import decode_image

PHOTOS = Path(__file__).resolve().parent / "photos"


@pytest.fixture(scope="module")
def people():
    return people_in(PHOTOS)


def test_there_are_at_least_eight_people_with_two_different_photos(people):
    several = [name for name, paths in people.items() if len(paths) >= 2]
    assert len(several) >= 8
    readme = (PHOTOS / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in people)


def test_each_photo_is_small_and_shows_one_face(people):
    total = 0
    for paths in people.values():
        for path in paths:
            total += path.stat().st_size
            faces = detect_faces(decode_image(path.read_bytes()), min_face_px=None)
            assert len(faces) == 1, path
            assert faces[0].w <= 160, path  # cut to about 130 px; boxes vary a little
    assert total < 1_500_000


def test_each_photo_is_nearest_to_another_photo_of_the_same_person(people):
    embedder = FaceEmbedder()
    names, vectors = [], []
    for name, paths in people.items():
        for path in paths:
            names.append(name)
            vectors.append(embedder.embed_single(decode_image(path.read_bytes())))
    names, vectors = np.array(names), np.array(vectors)
    for i, name in enumerate(names):
        if (names == name).sum() < 2:
            continue
        distances = np.linalg.norm(vectors - vectors[i], axis=1)
        distances[i] = np.inf
        assert names[int(np.argmin(distances))] == name, (name, i)
