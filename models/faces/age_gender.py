"""Age and gender from an aligned face chip: face-api.js's AgeGenderNet, run on ONNX Runtime.

The model (``models/weights/age_gender/age_gender.onnx``, 0.46 MB, MIT) is built from the weights the
npm package ``@vladmandic/face-api`` ships, by ``models/convert/convert_face_api_age_gender.py``; its
outputs equal face-api's own TensorFlow.js forward pass (``check_face_api_age_gender.mjs``). Input: an
RGB face chip 112 x 112, 0–255 (we give dlib's 5-point aligned chip with 10 % padding, which put
every labelled picture we have on the right gender; see ``models/weights/age_gender/README.md``).
Output: age in years (a regression) and P(male), P(female).

Example:
    >>> m = AgeGenderModel()
    >>> [a] = m.predict(np.full((1, 112, 112, 3), 128, np.uint8))
    >>> a.gender in ("female", "male") and 0 < a.age < 100
    True
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.faces.base import FaceAttributes, FacesUnavailable

#: The committed model file.
MODEL_PATH = Path(__file__).resolve().parents[1] / "weights" / "age_gender" / "age_gender.onnx"
#: Chip side the model takes.
CHIP_SIZE = 112
#: Padding around the aligned face (dlib ``get_face_chip``): 0.1 gave the right gender on all 8 labelled pictures.
CHIP_PADDING = 0.1


def available(path: Path | None = None) -> bool:
    """Whether the model can be loaded (its file and onnxruntime are there), without loading it."""
    import importlib.util

    return Path(path or MODEL_PATH).is_file() and importlib.util.find_spec("onnxruntime") is not None


class AgeGenderModel:
    """The embedded age + gender model (CPU, offline).

    Args:
        path: the ONNX file (default: the committed one).
        threads: ONNX Runtime intra-op threads.

    Raises:
        FacesUnavailable: the file or onnxruntime is missing.
    """

    name = "face-api-age-gender"

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        self.path = Path(path or MODEL_PATH)
        if not self.path.is_file():
            raise FacesUnavailable(f"age/gender model file missing: {self.path}")
        try:
            import onnxruntime as ort
        except ImportError:
            raise FacesUnavailable("onnxruntime is not installed (needed for the age/gender model)") from None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._sess = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])

    def predict(self, chips: np.ndarray) -> list[FaceAttributes]:
        """Age and gender of (N, 112, 112, 3) RGB uint8 chips."""
        if len(chips) == 0:
            return []
        x = np.ascontiguousarray(chips.astype(np.float32).transpose(0, 3, 1, 2))
        age, gender = self._sess.run(None, {"image": x})
        out = []
        for a, g in zip(age[:, 0], gender, strict=True):
            male = float(g[0])
            out.append(
                FaceAttributes(
                    float(np.clip(a, 1.0, 100.0)),
                    "male" if male >= 0.5 else "female",
                    male if male >= 0.5 else 1.0 - male,
                )
            )
        return out
