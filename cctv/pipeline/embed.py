"""Face embeddings: dlib's 128-d ResNet from `face_recognition_models` (CC0) on `dlib-bin`.

A face is aligned with dlib's 5-point shape predictor on the detector's box, then described
by a 128-number vector; two faces closer than about 0.6 (Euclidean) are the same person.
An embedding costs tens of milliseconds, so the tracker asks for one per track, not per frame.
"""

import threading

import cv2
import numpy as np

from cctv.pipeline.detect import Face, detect_faces


class OneFaceError(ValueError):
    """An enrollment photo did not hold exactly one face; `reason` says what was found."""

    def __init__(self, reason: str, count: int):
        super().__init__(reason)
        self.reason, self.count = reason, count


class FaceEmbedder:
    """Load the dlib models once (per process) and compute embeddings of detected faces."""

    _lock = threading.Lock()
    _models: tuple | None = None

    @classmethod
    def _load(cls) -> tuple:
        with cls._lock:
            if cls._models is None:
                import dlib
                import face_recognition_models as frm

                cls._models = (
                    dlib,
                    dlib.shape_predictor(frm.pose_predictor_five_point_model_location()),
                    dlib.face_recognition_model_v1(frm.face_recognition_model_location()),
                )
        return cls._models

    def align(self, frame: np.ndarray, face: Face) -> np.ndarray:
        """Return FACE in FRAME (BGR or grey) aligned by its 5 landmarks: a 150 x 150 RGB chip."""
        dlib, predictor, _model = self._load()
        # Only the face and a face width around it are converted, not the whole frame: the
        # chip (the face and a quarter of it around) never reaches further.
        height, width = frame.shape[:2]
        x0, y0 = max(0, face.x - face.w), max(0, face.y - face.h)
        x1, y1 = min(width, face.x + 2 * face.w), min(height, face.y + 2 * face.h)
        part = frame[y0:y1, x0:x1]
        code = cv2.COLOR_GRAY2RGB if frame.ndim == 2 else cv2.COLOR_BGR2RGB
        rgb = cv2.cvtColor(part, code)
        rect = dlib.rectangle(face.x - x0, face.y - y0, face.x - x0 + face.w, face.y - y0 + face.h)
        return dlib.get_face_chip(rgb, predictor(rgb, rect), size=150, padding=0.25)

    def embed_chip(self, chip: np.ndarray) -> np.ndarray:
        """Return the 128-d embedding (float32) of an aligned chip from align()."""
        _dlib, _predictor, model = self._load()
        return np.asarray(model.compute_face_descriptor(chip), dtype=np.float32)

    def embed(self, frame: np.ndarray, face: Face) -> np.ndarray:
        """Return the 128-d embedding (float32) of FACE in FRAME (BGR or grey)."""
        return self.embed_chip(self.align(frame, face))

    def embed_single(self, image: np.ndarray, *, min_score: float = 0.6) -> np.ndarray:
        """Return the embedding of the one face in IMAGE, or raise OneFaceError."""
        faces = detect_faces(image, min_score=min_score, min_face_px=None)
        if not faces:
            raise OneFaceError("no face was found in the photo", 0)
        if len(faces) > 1:
            raise OneFaceError(
                f"{len(faces)} faces were found; the photo must show one", len(faces)
            )
        return self.embed(image, faces[0])


def decode_image(data: bytes) -> np.ndarray:
    """Decode image bytes (JPEG, PNG, ...) to a BGR array; raise ValueError if they are not one."""
    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        raise ValueError("the file is not an image that can be read")
    return array


def crop_face(frame: np.ndarray, face: Face, margin: float = 0.3) -> np.ndarray:
    """Return FACE cut out of FRAME with a margin around it."""
    height, width = frame.shape[:2]
    mx, my = int(face.w * margin), int(face.h * margin)
    x0, y0 = max(0, face.x - mx), max(0, face.y - my)
    x1, y1 = min(width, face.x + face.w + mx), min(height, face.y + face.h + my)
    return frame[y0:y1, x0:x1].copy()
