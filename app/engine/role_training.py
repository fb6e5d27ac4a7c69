"""Training a site's staff/customer classifier from the labelled people (``storesight roles train``, GUI).

One code path for the CLI and the GUI's "Train classifier" button: gather the crops of every
labelled track (and the uniform pictures, as staff) with :func:`app.store.roles.training_set`,
check there are enough of both roles, train :class:`models.roles.RoleClassifier` and save it where
the role stage loads it from (:func:`app.engine.roles.classifier_path`). It blocks for seconds:
the GUI calls it on a worker thread.

Example:
    >>> result = train_classifier(store, Path("data"), "Demo store", epochs=20)  # doctest: +SKIP
    >>> result.path                                                               # doctest: +SKIP
    PosixPath('data/models/roles/demo-store.pt')
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.engine.roles import classifier_path
from app.errors import UserError
from app.store.roles import TrainingSet, training_set

if TYPE_CHECKING:
    from app.store.db import Store
    from models.roles import TrainReport

EXIT_BAD_ARGS = 2
#: Fewest crops of each role the classifier trains on.
MIN_CROPS = 2


@dataclass(frozen=True, slots=True)
class TrainResult:
    """A trained and saved classifier.

    Attributes:
        site: the site it was trained for.
        path: the saved model file.
        report: samples, accuracy on the training crops and on held-out people, training time.
        seconds: wall-clock time with reading the crops and loading PyTorch.
        staff_tracks: labelled staff tracks that brought crops.
        customer_tracks: labelled customer tracks that brought crops.
        missing: photo files that could not be read.
    """

    site: str
    path: Path
    report: TrainReport
    seconds: float
    staff_tracks: int
    customer_tracks: int
    missing: int

    def describe(self) -> str:
        """One line: accuracy, crops, where it is saved."""
        rep = self.report
        val = (
            "no held-out accuracy (label at least 3 people of each role for one)"
            if rep.val_accuracy is None
            else f"{100 * rep.val_accuracy:.0f} % on {rep.val_samples} crops of people it did not train on"
        )
        return (
            f"trained on {rep.samples} crops ({rep.staff} staff, {rep.customers} customer) in {self.seconds:.1f} s: "
            f"train accuracy {100 * rep.train_accuracy:.0f} %, {val}; saved {self.path}"
        )


def describe_set(ts: TrainingSet) -> str:
    """``training crops: 17 (8 staff, 9 customer) from 2 staff and 3 customer track(s) labelled``."""
    staff = sum(ts.labels)
    cust = len(ts.labels) - staff
    return (
        f"training crops: {len(ts.labels)} ({staff} staff, {cust} customer) from {ts.tracks['staff']} staff "
        f"and {ts.tracks['customer']} customer track(s) labelled"
        + (f"; {ts.missing} missing" if ts.missing else "")
    )


def train_classifier(
    store: Store,
    data_dir: str | Path,
    site: str,
    *,
    epochs: int = 20,
    threads: int = 1,
    with_uniforms: bool = True,
    log: Callable[[str], None] | None = None,
    progress: Callable[[float], None] | None = None,
) -> TrainResult:
    """Train the site's classifier from the labelled people and save it for the next analysis.

    Args:
        store: the database with the labels.
        data_dir: the data folder (crops are read from it, the model is saved under ``models/roles``).
        site: the site's name (the model file is named after it, as the role stage expects).
        epochs: passes over the crops.
        threads: CPU threads for training.
        with_uniforms: also train on the uniform pictures, as staff.
        log: progress lines (the crops found), on the calling thread.
        progress: the share of training done (0–1), on the calling thread.

    Raises:
        UserError: too few crops of either role, a bad epoch count, or the file cannot be written
            (exit code 2 for the first two).
    """
    if epochs < 1:
        raise UserError("epochs must be at least 1", EXIT_BAD_ARGS)
    t0 = time.perf_counter()
    ts = training_set(store, data_dir, with_uniforms=with_uniforms)
    if log is not None:
        log(describe_set(ts))
    staff = sum(ts.labels)
    cust = len(ts.labels) - staff
    if staff < MIN_CROPS or cust < MIN_CROPS:
        raise UserError(
            f"need crops of at least {MIN_CROPS} staff and {MIN_CROPS} customers (there are {staff} staff and "
            f"{cust} customer crops): label more people as staff and as customers first",
            EXIT_BAD_ARGS,
        )
    from models.roles import RoleClassifier

    clf, rep = RoleClassifier.train(
        ts.crops, ts.labels, groups=ts.groups, epochs=epochs, threads=threads, progress=progress
    )
    try:
        path = clf.save(classifier_path(data_dir, site), site=site)
    except OSError as e:
        raise UserError(f"cannot save the role classifier in {data_dir}: {e.strerror or e}") from None
    return TrainResult(
        site, path, rep, time.perf_counter() - t0, ts.tracks["staff"], ts.tracks["customer"], ts.missing
    )
