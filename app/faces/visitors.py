"""Returning visitors: pseudonymous ids linking a non-employee's visits by face (off by default).

A camera with ``modules.faces.visitors`` (and a ``visitors_basis``) hands each ended non-employee
track's best face embedding to :class:`VisitorBook`: the nearest known visitor within the backend's
threshold is the same person (a new visit when last seen more than ``visit_gap_minutes`` ago), else a
new visitor is made. Visitors have no name, only an id, first and last seen, and a visit count; their
embeddings are encrypted like employees' and erased ``visitor_days`` after the last visit
(:func:`app.faces.gallery.apply_retention`) or by ``storesight faces erase --visitor ID``.

The book writes its own small transactions (one per ended track), next to the pipeline's writer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from analytics.faces import nearest
from app.faces.crypto import FaceCipher
from app.store.db import Store
from app.store.schema import FaceEmbedding, FaceVisitor

#: Embeddings kept per visitor (the first ones; enough to match, bounded storage).
MAX_EMBEDDINGS = 5


@dataclass(frozen=True, slots=True)
class VisitorSeen:
    """One ended track's visitor: who, and what the visit means."""

    visitor_id: int
    new_visitor: bool
    new_visit: bool
    visits: int
    first_ts: float
    days_since_last: float | None
    distance: float | None


class VisitorBook:
    """The known visitors of one face model, in memory and in the database.

    Args:
        store: the database.
        data_dir: the data folder (the key).
        backend: the face backend (its model, metric and threshold).
        gap: seconds after which a visitor seen again makes a new visit.
    """

    def __init__(self, store: Store, data_dir: str | Path, backend: Any, *, gap: float = 1800.0) -> None:
        self.store = store
        self.cipher = FaceCipher.for_data_dir(data_dir)
        self.model, self.metric, self.threshold = backend.model, backend.metric, backend.threshold
        self.gap = gap
        self._lock = threading.Lock()
        self._vecs: list[np.ndarray] = []
        self._labels: list[int] = []
        self._state: dict[int, list[float]] = {}  # id -> [first_ts, last_ts, visits]
        with store.session() as s:
            rows = s.execute(
                select(FaceEmbedding.visitor_id, FaceEmbedding.vector)
                .where(FaceEmbedding.visitor_id.is_not(None), FaceEmbedding.model == self.model)
                .order_by(FaceEmbedding.id)
            ).all()
            for v in s.scalars(select(FaceVisitor)):
                self._state[v.id] = [v.first_ts, v.last_ts, float(v.visits)]
        for vid, blob in rows:
            if vid in self._state:
                self._vecs.append(self.cipher.open(blob))
                self._labels.append(int(vid))

    def __len__(self) -> int:
        return len(self._state)

    def observe(self, embedding: np.ndarray, first_ts: float, last_ts: float) -> VisitorSeen:
        """Record one track's visit; returns the visitor (new or returning)."""
        with self._lock:
            m = None
            if self._labels:
                m = nearest(embedding[None], np.stack(self._vecs), self._labels, self.metric, self.threshold)[
                    0
                ]
            if m is not None and m.matched and m.label in self._state:
                vid = int(m.label)
                st = self._state[vid]
                since = max(0.0, first_ts - st[1])
                new_visit = since > self.gap
                st[1] = max(st[1], last_ts)
                st[2] += 1 if new_visit else 0
                n_emb = self._labels.count(vid)
                with self.store.session(write=True) as s:
                    row = s.get(FaceVisitor, vid)
                    if row is None:  # erased meanwhile: start again
                        self._forget(vid)
                        return self.observe(embedding, first_ts, last_ts)
                    row.last_ts, row.visits = st[1], int(st[2])
                    if n_emb < MAX_EMBEDDINGS:
                        s.add(
                            FaceEmbedding(
                                visitor_id=vid,
                                model=self.model,
                                vector=self.cipher.seal(embedding),
                                source="track",
                            )
                        )
                if n_emb < MAX_EMBEDDINGS:
                    self._vecs.append(np.asarray(embedding, np.float32))
                    self._labels.append(vid)
                return VisitorSeen(
                    vid,
                    False,
                    new_visit,
                    int(st[2]),
                    st[0],
                    since / 86400.0 if new_visit else None,
                    m.distance,
                )
            with self.store.session(write=True) as s:
                row = FaceVisitor(first_ts=first_ts, last_ts=last_ts, visits=1)
                s.add(row)
                s.flush()
                vid = int(row.id)
                s.add(
                    FaceEmbedding(
                        visitor_id=vid, model=self.model, vector=self.cipher.seal(embedding), source="track"
                    )
                )
            self._state[vid] = [first_ts, last_ts, 1.0]
            self._vecs.append(np.asarray(embedding, np.float32))
            self._labels.append(vid)
            return VisitorSeen(vid, True, True, 1, first_ts, None, None if m is None else m.distance)

    def _forget(self, vid: int) -> None:
        keep = [i for i, label in enumerate(self._labels) if label != vid]
        self._vecs = [self._vecs[i] for i in keep]
        self._labels = [self._labels[i] for i in keep]
        self._state.pop(vid, None)
