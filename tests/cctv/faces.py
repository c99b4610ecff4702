"""Real faces shipped by scikit-image, and clips made of them with OpenCV.

A = Eileen Collins (skimage.data.astronaut); B = the cameraman (skimage.data.camera).
"""

from pathlib import Path

import cv2
import numpy as np
import skimage.data


def person_a() -> np.ndarray:
    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)


def person_a_enrollment() -> np.ndarray:
    """Another view of A for the watchlist photo, so that a match is not the clip's own pixels:
    a tighter crop, mirrored, turned 8 degrees, shrunk to 70 %, brighter and flatter. Its
    embedding lies about 0.2 from A's frames in the clip (the threshold is 0.6; B is ~0.8)."""
    crop = np.ascontiguousarray(person_a()[30:330, 110:360][:, ::-1])
    height, width = crop.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -8, 1.0)
    turned = cv2.warpAffine(crop, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
    small = cv2.resize(turned, (int(width * 0.7), int(height * 0.7)), interpolation=cv2.INTER_AREA)
    return cv2.convertScaleAbs(small, alpha=0.8, beta=40)


def person_b() -> np.ndarray:
    return cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2BGR)


def no_face() -> np.ndarray:
    return cv2.cvtColor(skimage.data.coffee(), cv2.COLOR_RGB2BGR)


def two_faces() -> np.ndarray:
    a = cv2.resize(person_a(), (400, 400))
    b = cv2.resize(person_a()[:, ::-1], (400, 400))
    return np.hstack([a, np.full((400, 80, 3), 90, np.uint8), b])


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def frame_of(image: np.ndarray, dx: int, size=(640, 480)) -> np.ndarray:
    width, height = size
    frame = np.full((height, width, 3), 60, np.uint8)
    face = cv2.resize(image, (height, height))
    frame[:, dx : dx + height] = face
    return frame


def clip_frames(seconds_a: float = 2.0, seconds_b: float = 2.0, fps: int = 25) -> list:
    """A walks in (A's frames drifting right), then B (a cut to another person)."""
    frames = [frame_of(person_a(), 20 + i) for i in range(int(seconds_a * fps))]
    frames += [frame_of(person_b(), 120 - i) for i in range(int(seconds_b * fps))]
    return frames


def write_clip(path: Path, frames: list, fps: int = 25) -> Path:
    fourcc = "MJPG" if str(path).endswith(".avi") else "mp4v"
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


PHOTOS = Path(__file__).resolve().parent / "photos"  # see photos/README.md: source, licence


def photo(person: str, number: int) -> np.ndarray:
    """Return photo NUMBER of PERSON from tests/cctv/photos (BGR)."""
    image = cv2.imread(str(PHOTOS / person / f"{number}.jpg"), cv2.IMREAD_COLOR)
    assert image is not None, f"no photo {person}/{number}"
    return image


def photo_bytes(person: str, number: int) -> bytes:
    return (PHOTOS / person / f"{number}.jpg").read_bytes()


_face_boxes: dict = {}


def face_box(image: np.ndarray):
    """Return the detected face of a one-face photo (cached by the array's identity)."""
    from cctv.pipeline import detect_faces

    key = (image.shape, int(image[::17, ::13].sum()))
    if key not in _face_boxes:
        _face_boxes[key] = detect_faces(image, min_face_px=None)[0]
    return _face_boxes[key]


def street_frame(people, size=(1280, 720), seed=0, quality=None) -> np.ndarray:
    """Return a grey, noisy street-like frame of SIZE with each (photo, face width px, x, y) of
    PEOPLE pasted so that its face is that wide with its top-left corner near x, y; JPEG'd at
    QUALITY if given (a street camera's compression)."""
    width, height = size
    rng = np.random.default_rng(seed)
    frame = rng.integers(92, 128, (height, width, 3), dtype=np.uint8)
    for image, face_px, x, y in people:
        scale = face_px / face_box(image).w
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        h, w = min(small.shape[0], height - y), min(small.shape[1], width - x)
        frame[y : y + h, x : x + w] = small[:h, :w]
    if quality is not None:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return frame


def walk(people, steps: int, size=(1280, 720), step_px=(6, 2), quality=None) -> list:
    """Return STEPS frames in which PEOPLE (as for street_frame) walk STEP_PX a frame."""
    dx, dy = step_px
    return [
        street_frame(
            [(image, px, x + i * dx, y + i * dy) for image, px, x, y in people],
            size,
            seed=i,
            quality=quality,
        )
        for i in range(steps)
    ]
