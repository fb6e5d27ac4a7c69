"""Russian licence plates: alphabet, GOST R 50577 formats, CTC decoding with grammar, per-track vote.

Pure numpy. Plate text is kept in one canonical spelling: Cyrillic letters from the 12 that
GOST R 50577 allows (``АВЕКМНОРСТУХ``, each with a Latin look-alike) and digits, no spaces:
``А123ВС77``. :func:`normalize` maps Latin look-alikes to it, so ``a123bc77`` and ``А123ВС77``
are the same plate.

The OCR model emits per-time-step class probabilities (CTC, class 0 = blank). :func:`decode`
reads them greedily; when the greedy text is not a valid plate (wrong format or unknown region
code) it searches the most likely valid string with a CTC Viterbi pass constrained to each
format, and marks the read ``corrected``. :func:`vote` turns the reads of one vehicle passage
into one text, weighting each read by its confidence and the crop's sharpness.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

DIGITS = "0123456789"
#: The 12 Cyrillic letters GOST R 50577 uses on plates (they all have Latin look-alikes).
LETTERS = "АВЕКМНОРСТУХ"
LATIN_LOOKALIKES = "ABEKMHOPCTYX"
#: CTC output classes after the blank (class 0).
ALPHABET = DIGITS + LETTERS

_TO_CYRILLIC = str.maketrans(LATIN_LOOKALIKES + LATIN_LOOKALIKES.lower() + LETTERS.lower(), LETTERS * 3)
_TO_LATIN = str.maketrans(LETTERS, LATIN_LOOKALIKES)

#: Plate kinds: (name, pattern of the series and number without the region, rows on the plate).
#: ``L`` is a letter, ``D`` a digit. All end with a 2- or 3-digit region code.
FORMATS: tuple[tuple[str, str, int], ...] = (
    ("private", "LDDDLL", 1),  # type 1: А123ВС 77 / 777 (also two-row type 1А)
    ("taxi", "LLDDD", 1),  # type 1Т, yellow: АВ123 77
    ("trailer", "LLDDDD", 1),  # type 2: АВ1234 77
    ("police", "LDDDD", 1),  # type 20, blue: А1234 77
    ("moto", "DDDDLL", 2),  # type 4, square: 1234 / АВ 77
)

#: Three-digit region codes in use (two-digit 01–99 are all accepted).
REGIONS_3 = frozenset(
    [
        "102",
        "113",
        "116",
        "121",
        "122",
        "123",
        "124",
        "125",
        "126",
        "134",
        "136",
        "138",
        "142",
        "147",
        "150",
        "152",
        "154",
        "155",
        "156",
        "159",
        "161",
        "163",
        "164",
        "173",
        "174",
        "177",
        "178",
        "180",
        "181",
        "184",
        "185",
        "186",
        "188",
        "190",
        "193",
        "196",
        "197",
        "198",
        "199",
        "277",
        "299",
        "702",
        "716",
        "725",
        "750",
        "754",
        "761",
        "763",
        "774",
        "777",
        "790",
        "797",
        "799",
        "977",
    ]
)

_PATTERN_RE = {"L": f"[{LETTERS}]", "D": "[0-9]"}


def _format_regex(series: str) -> re.Pattern[str]:
    return re.compile("".join(_PATTERN_RE[c] for c in series) + r"([0-9]{2,3})")


_FORMAT_RES = [(name, _format_regex(series)) for name, series, _ in FORMATS]


def normalize(text: str) -> str:
    """Canonical spelling of a plate: Cyrillic letters, upper case, no spaces or separators.

    Example:
        >>> normalize("a 123 bc 77")
        'А123ВС77'
    """
    return "".join(ch for ch in text.translate(_TO_CYRILLIC).upper() if ch.isalnum())


def to_latin(text: str) -> str:
    """The same plate with Latin look-alike letters (for terminals, search fields and hashes)."""
    return normalize(text).translate(_TO_LATIN)


def region_valid(code: str) -> bool:
    """Whether ``code`` is a region code in use: 01–99 or a known three-digit code."""
    if len(code) == 2:
        return code.isdigit() and code != "00"
    return code in REGIONS_3


@lru_cache(maxsize=8192)
def plate_format(text: str) -> str | None:
    """The GOST format name of a canonical plate text, None when it matches none or its region is unknown.

    Example:
        >>> plate_format("А123ВС777"), plate_format("АВ12377"), plate_format("А123ВС00")
        ('private', 'taxi', None)
    """
    for name, rx in _FORMAT_RES:
        m = rx.fullmatch(text)
        if m and region_valid(m.group(1)):
            return name
    return None


# --- CTC decoding -----------------------------------------------------------------------------

#: A read (one picture's, or a passage's vote) less confident than this, or not a valid plate, is
#: *uncertain*: stored and shown, marked, but not counted in the parking numbers; a list alert
#: raised on it says so. The product's one definition (:func:`is_uncertain`): ``PlateText.uncertain``
#: (``storesight plates read``), the plate stage's passages (``modules.plates.min_confidence``
#: defaults to it), ``plates log``, the Parking sheet and the GUI's Plates tab all use it.
#: Chosen on the standard held-out set (``benchmarks/plates_reject.py``): the lowest threshold of the
#: 0.05 grid at which the reads kept are ≥ 99 % exact for both the single read and the 5-view read
#: with some margin (0.80 / 0.85 keep 99.08 / 99.06 % single reads; 0.90 keeps 99.27 % of 82.7 %).
#: Fresh seed 99: 99.50 % exact among the 80.5 % kept (single read), 99.76 % of 83.5 % (5 views).
UNCERTAIN_BELOW = 0.9


def is_uncertain(confidence: float, valid: bool, threshold: float = UNCERTAIN_BELOW) -> bool:
    """Whether a read is *uncertain*: not a valid plate, or less confident than ``threshold``.

    Example:
        >>> is_uncertain(0.95, True), is_uncertain(0.6, True), is_uncertain(0.97, False)
        (False, True, True)
    """
    return not valid or confidence < threshold


@dataclass(frozen=True, slots=True)
class PlateText:
    """One OCR read of one plate picture.

    Attributes:
        text: canonical plate text ('' when nothing was read).
        confidence: product of the characters' probabilities, 0–1.
        char_conf: per-character probability.
        format: GOST format name, None when the text is not a valid plate.
        corrected: the greedy read was not a valid plate and the grammar chose this text.
    """

    text: str
    confidence: float
    char_conf: tuple[float, ...]
    format: str | None
    corrected: bool = False

    @property
    def uncertain(self) -> bool:
        """Not a valid plate, or read with less than :data:`UNCERTAIN_BELOW` confidence (:func:`is_uncertain`)."""
        return is_uncertain(self.confidence, self.format is not None)


def _greedy(probs: np.ndarray) -> tuple[str, list[float]]:
    text, conf, _ = _greedy_path(probs, probs.argmax(axis=1))
    return text, conf


def _greedy_path(probs: np.ndarray, best: np.ndarray) -> tuple[str, list[float], list[tuple[int, int]]]:
    """Greedy read of the best class per frame ``best``: text, per-character probability, first/last frame."""
    text, conf, spans = [], [], []
    prev = 0
    for t, c in enumerate(best.tolist()):
        if c != 0 and c != prev:
            text.append(ALPHABET[c - 1])
            conf.append(float(probs[t, c]))
            spans.append((t, t))
        elif c != 0 and c == prev:
            conf[-1] = max(conf[-1], float(probs[t, c]))
            spans[-1] = (spans[-1][0], t)
        prev = c
    return "".join(text), conf, spans


_LETTER_IDX = np.array([ALPHABET.index(ch) + 1 for ch in LETTERS])
_DIGIT_IDX = np.arange(1, 11)


def _templates() -> list[tuple[str, str]]:
    out = []
    for name, series, _ in FORMATS:
        out += [(name, series + "DD"), (name, series + "DDD")]
    return out


_TEMPLATES = _templates()


def _constrained(logp: np.ndarray, template: str) -> tuple[float, str, list[float]]:
    """Best CTC path whose labels follow ``template`` (L/D per character); returns (log score, text, probs).

    States alternate blank, slot 1, blank, slot 2, …, blank; a slot emits the best character of
    its class at each time step (two equal neighbours then need no blank: a small approximation).
    """
    _, back, last = _constrained_scores(logp, [template])
    return _trace_template(logp, template, back[:, 0], last[0])


def _constrained_scores(logp: np.ndarray, templates: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_constrained`'s best path for every template at once.

    Returns:
        The log score of each template's best path (K,), the back pointers (T, K, S) (0 stay,
        1 from s-1, 2 from s-2, as :func:`_constrained`) and the last frame's state scores (K, S),
        for :func:`_trace_template`.
    """
    t_len, k_n = logp.shape[0], len(templates)
    s_max = 2 * max(len(t) for t in templates) + 1
    neg = -1e30
    best_letter, best_digit = logp[:, _LETTER_IDX].max(axis=1), logp[:, _DIGIT_IDX].max(axis=1)
    emit = np.full((t_len, k_n, s_max), neg)
    skip_ok = np.zeros((k_n, s_max), dtype=bool)
    ends = np.zeros(k_n, np.intp)
    for k, template in enumerate(templates):
        emit[:, k, 0 : 2 * len(template) + 1 : 2] = logp[:, [0]]
        for j, kind in enumerate(template):
            emit[:, k, 2 * j + 1] = best_letter if kind == "L" else best_digit
        skip_ok[k, 3 : 2 * len(template) : 2] = True
        ends[k] = 2 * len(template)
    score = np.full((k_n, s_max), neg)
    score[:, :2] = emit[0, :, :2]
    back = np.zeros((t_len, k_n, s_max), dtype=np.int8)
    cand = np.full((3, k_n, s_max), neg)
    for t in range(1, t_len):
        cand[0] = score
        cand[1, :, 1:] = score[:, :-1]
        cand[2, :, 2:] = np.where(skip_ok[:, 2:], score[:, :-2], neg)
        arg = cand.argmax(axis=0)
        back[t] = arg
        score = np.take_along_axis(cand, arg[None], axis=0)[0] + emit[t]
    r = np.arange(k_n)
    return np.maximum(score[r, ends], score[r, ends - 1]), back, score


def _trace_template(
    logp: np.ndarray, template: str, back: np.ndarray, last: np.ndarray
) -> tuple[float, str, list[float]]:
    """:func:`_constrained`'s result for one template from :func:`_constrained_scores`' back pointers (T, S)."""
    s_count = 2 * len(template) + 1
    end = s_count - 1 if last[s_count - 1] >= last[s_count - 2] else s_count - 2
    total = float(last[end])
    slot_frames: dict[int, list[int]] = defaultdict(list)
    s = end
    for t in range(len(logp) - 1, -1, -1):
        if s % 2 == 1:
            slot_frames[s // 2].append(t)
        s -= int(back[t, s])
    text, probs = [], []
    for k, kind in enumerate(template):
        frames = slot_frames.get(k, [])
        idx = _LETTER_IDX if kind == "L" else _DIGIT_IDX
        if not frames:
            return -1e30, "", []
        summed = logp[frames][:, idx].max(axis=0)
        j = int(summed.argmax())
        text.append(ALPHABET[idx[j] - 1])
        probs.append(float(np.exp(summed[j])))
    return total, "".join(text), probs


def decode(probs: np.ndarray, *, rows: int | None = None) -> PlateText:
    """Plate text from one picture's CTC probabilities, corrected by the plate grammar.

    Args:
        probs: (T, 1 + len(ALPHABET)) softmax output, class 0 = blank.
        rows: 1 or 2 when the plate's layout is known (two-row plates are ``private`` or
            ``moto``), None for any format.

    Returns:
        The greedy read when it is a valid plate; otherwise the most likely valid plate with
        ``corrected=True`` (its confidence is the chosen characters' probability product, so a
        forced read is usually uncertain); an empty text when nothing fits.
    """
    text, conf = _greedy(probs)
    fmt = plate_format(text)
    allowed = {name for name, _, r in FORMATS if rows is None or r == rows or name == "private"}
    if fmt is not None and fmt in allowed:
        return PlateText(text, float(np.prod(conf)), tuple(conf), fmt)
    logp = np.log(np.clip(probs, 1e-12, 1.0))
    best: tuple[float, str, list[float], str] | None = None
    templates = [(name, template) for name, template in _TEMPLATES if name in allowed]
    # All formats' best-path scores in one pass; then only the best ones are traced back, in order,
    # until one gives a valid plate (the same choice as tracing every format, at a fraction of the cost).
    scores, back, last = _constrained_scores(logp, [t for _, t in templates])
    for k in sorted(range(len(templates)), key=lambda k: -scores[k]):
        name, template = templates[k]
        score, cand, cprobs = _trace_template(logp, template, back[:, k], last[k])
        if cand and plate_format(cand) == name:
            best = (score, cand, cprobs, name)
            break
    if best is None:
        return PlateText(text, float(np.prod(conf)) if conf else 0.0, tuple(conf), None)
    return PlateText(best[1], float(np.prod(best[2])), tuple(best[2]), best[3], corrected=True)


def ctc_log_likelihood(probs: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """The log-likelihood log P(text | probs) of each text under CTC (all alignments summed), for one or several views.

    Args:
        probs: (T, C) or (V, T, C) softmax output (class 0 = blank); with V views the
            log-likelihoods of the views are added (the views are read as independent evidence).
        texts: non-empty canonical texts.

    Returns:
        (len(texts),) log-likelihoods.
    """
    p = np.maximum(probs if probs.ndim == 3 else probs[None], 1e-12)
    n, s_max = len(texts), 2 * max(len(t) for t in texts) + 1
    zero = p.shape[2]  # an extra all-zero class for the states past a shorter text's end
    lab = np.full((n, s_max), zero, np.intp)
    skip = np.zeros((n, s_max), bool)  # state may be entered from two states back (different labels)
    ends = np.zeros(n, np.intp)
    for k, text in enumerate(texts):
        lab[k, 0 : 2 * len(text) + 1 : 2] = 0  # blank at even states
        for j, ch in enumerate(text):
            lab[k, 2 * j + 1] = ALPHABET.index(ch) + 1
            skip[k, 2 * j + 1] = j > 0 and text[j - 1] != ch
        ends[k] = 2 * len(text)
    views, t_len = p.shape[:2]
    # States first, then (view, text) flattened: the shifts "from s-1" / "from s-2" are then whole
    # contiguous rows of a buffer with two zero rows in front (this loop is the second look's cost).
    pt = np.zeros((t_len, views, zero + 1))
    pt[:, :, :zero] = p.transpose(1, 0, 2)
    flat = (np.arange(views)[:, None, None] * (zero + 1) + lab.T[None]).transpose(1, 0, 2)  # (S, V, n)
    emit = pt.reshape(t_len, -1)[:, flat.reshape(s_max, views * n)]  # (T, S, V * n), one gather
    skip_f = np.tile(skip.T.astype(np.float64), (1, views))  # (S, V * n)
    buf = np.zeros((s_max + 2, views * n))
    a = buf[2:]
    a[:2] = emit[0, :2]
    log_scale = np.zeros(views * n)
    for t in range(1, t_len):
        nxt = a + buf[1:-1]
        nxt += buf[:-2] * skip_f
        np.multiply(nxt, emit[t], out=a)
        if t % 8 == 0 or t == t_len - 1:  # rescale now and then (probabilities underflow)
            m = a.max(axis=0) + 1e-300
            a /= m
            log_scale += np.log(m)
    cols = np.arange(views * n)
    e = np.tile(ends, views)
    last = a[e, cols] + a[e - 1, cols]
    return (np.log(last + 1e-300) + log_scale).reshape(views, n).sum(axis=0)


#: A character read with less than this probability in some view is also tried as each other
#: character of its class (letter/digit) when the views are combined (:func:`decode_views`).
SUBSTITUTE_BELOW = 0.9
#: ... unless no view gives that substitute at least this probability on the character's frames
#: (±1 frame of where the read's view put it; a read whose frames are unknown — the grammar
#: changed its length — keeps every substitute). Set on the held-out sets: identical texts to
#: scoring every substitute (standard seed and seed 99, INT8 and FP32; 0.01 changed one wrong
#: read on seed 99), ~25 % fewer candidates for the CTC forward pass.
PRUNE_BELOW = 0.003


def decode_views(probs: np.ndarray, *, rows: int | None = None, first: PlateText | None = None) -> PlateText:
    """One plate text from several views of the same plate (test-time augmentation).

    Each view is decoded with the grammar (:func:`decode`); the candidates are those reads plus,
    for each character read with less than :data:`SUBSTITUTE_BELOW` probability, the same read
    with that character replaced by each other letter (or digit) that keeps the plate valid. The
    winner is the candidate with the highest CTC likelihood summed over all views — evidence
    from slightly shifted or scaled crops is combined instead of trusting the single most
    confident view.

    Args:
        probs: (V, T, C) softmax outputs of V views (the first is the plate as rectified).
        rows: as for :func:`decode`.
        first: ``decode(probs[0], rows=rows)`` when the caller has it already (saves its cost).

    Returns:
        The winning read. A character's confidence is the share of the candidates' likelihood
        (averaged over the views, normalised over the candidates) that agrees on it, at most
        that character's probability in the most confident view that read this text; the
        confidence is their product, at most that view's confidence, times (1 + views that read
        exactly this text) / (1 + views). ``corrected`` when the
        winner is not the first view's greedy read.
    """
    if first is None:
        first = decode(probs[0], rows=rows)
    if len(probs) == 1:
        return first
    allowed = {name for name, _, r in FORMATS if rows is None or r == rows or name == "private"}
    # The other views: their greedy reads when valid (the grammar's search per view costs too much).
    best_class = probs.argmax(axis=2)
    paths = [_greedy_path(probs[v], best_class[v]) for v in range(len(probs))]
    greedy0 = paths[0][0]
    reads, read_view = [first], [0]
    for v in range(1, len(probs)):
        text, conf, _ = paths[v]
        fmt = plate_format(text)
        if fmt in allowed:
            reads.append(PlateText(text, float(np.prod(conf)), tuple(conf), fmt))
            read_view.append(v)
    valid = [(r, v) for r, v in zip(reads, read_view, strict=True) if r.format is not None]
    if not valid:
        return first
    cands = {r.text for r, _ in valid}
    subs: list[str] = []
    for r, v in valid:
        series = next(s for name, s, _ in FORMATS if name == r.format)
        kinds = series + "D" * (len(r.text) - len(series))
        # Where the read's characters sit in its view (its greedy path; the grammar's correction of
        # the first view keeps the greedy read's frames when it kept its length): a substitute that
        # no view reads there with PRUNE_BELOW probability is not tried.
        spans = paths[v][2]
        if len(spans) != len(r.text):
            spans = []
        for j, (kind, conf) in enumerate(zip(kinds, r.char_conf, strict=True)):
            if conf >= SUBSTITUTE_BELOW:
                continue
            idx = _LETTER_IDX if kind == "L" else _DIGIT_IDX
            if spans:
                a, b = spans[j]
                near = probs[:, max(0, a - 1) : b + 2][:, :, idx].max(axis=(0, 1))
                idx = idx[near >= PRUNE_BELOW]
            for c in idx.tolist():
                cand = r.text[:j] + ALPHABET[c - 1] + r.text[j + 1 :]
                if cand not in cands and plate_format(cand) in allowed:
                    cands.add(cand)
                    subs.append(cand)
    texts = sorted(cands)
    ll = ctc_log_likelihood(probs, texts) / len(probs)
    post = np.exp(ll - ll.max())
    post /= post.sum()
    best = int(np.argmax(ll))
    text = texts[best]
    same_len = [k for k, t in enumerate(texts) if len(t) == len(text)]
    chars = np.array([list(texts[k]) for k in same_len])
    marginal = (post[same_len][:, None] * (chars == np.array(list(text)))).sum(axis=0).tolist()
    # The candidates are few, so their posterior flatters the winner: the read is never more
    # confident than the most confident view that read exactly it (or, for a text no view read,
    # than the most confident view's read), scaled by how many views read it ((1 + agree) / (1 + views)):
    # a patch no view reads well, or that the views read differently, stays doubtful.
    same = [r for r, _ in valid if r.text == text]
    ref = max(same or [r for r, _ in valid], key=lambda r: r.confidence)
    char_conf = tuple(
        min(m, ref.char_conf[j]) if len(ref.char_conf) == len(text) else m for j, m in enumerate(marginal)
    )
    agree = sum(r.text == text for r in reads)
    return PlateText(
        text,
        min(float(np.prod(char_conf)), ref.confidence) * (1 + agree) / (1 + len(probs)),
        char_conf,
        plate_format(text),
        corrected=text != greedy0,
    )


# --- plate size: what the installer is told ---------------------------------------------------

#: Plates at least this wide (pixels in the camera picture) are read reliably; a camera whose
#: plates are narrower (median over its recent passages) gets a warning to zoom in or move it.
#: From ``benchmarks/plates_reject.py`` and ``benchmarks/plates_passages.py`` (``docs/plates.md``).
RELIABLE_PLATE_PX = 130
#: Passages a camera's plate width is the median of (the stage's running measure).
PLATE_WIDTH_WINDOW = 50
#: Fewer passages than this say nothing about a camera's plate width yet.
PLATE_WIDTH_MIN_READS = 5


def plate_width_warning(
    camera: str,
    widths: Sequence[float],
    *,
    reliable_px: float = RELIABLE_PLATE_PX,
    min_reads: int = PLATE_WIDTH_MIN_READS,
) -> str | None:
    """The installer's warning when a camera's plates are too small to read reliably, else None.

    Args:
        camera: the camera's id (named in the message).
        widths: plate widths in pixels, one per recent passage (0 or less: unknown, ignored).
        reliable_px: the width from which reads are reliable (:data:`RELIABLE_PLATE_PX`).
        min_reads: fewer known widths than this give no verdict (None).

    Example:
        >>> plate_width_warning("gate", [70, 72, 68, 75, 71])
        'plates on camera gate are 71 px wide (median of the last 5 reads); reads are reliable from ~130 px — zoom in or move the camera'
        >>> plate_width_warning("gate", [150] * 5) is None, plate_width_warning("gate", [70] * 4) is None
        (True, True)
    """
    known = [float(w) for w in widths if w and w > 0]
    if len(known) < min_reads:
        return None
    median = float(np.median(known))
    if median >= reliable_px:
        return None
    return (
        f"plates on camera {camera} are {median:.0f} px wide (median of the last {len(known)} reads); "
        f"reads are reliable from ~{reliable_px:.0f} px — zoom in or move the camera"
    )


def width_warnings(reads: Sequence[tuple[str, float | None]], *, window: int = PLATE_WIDTH_WINDOW) -> list[str]:
    """:func:`plate_width_warning` per camera over stored reads: (camera, plate px) pairs, newest first.

    Each camera's newest ``window`` reads with a known width count (what the plate stage measures
    live); cameras in the order they first appear.

    Example:
        >>> width_warnings([("gate", 70.0)] * 30 + [("yard", 160.0)] * 6 + [("gate", 300.0)] * 60)
        ['plates on camera gate are 70 px wide (median of the last 50 reads); reads are reliable from ~130 px — zoom in or move the camera']
    """
    by_camera: dict[str, list[float]] = {}
    for camera, px in reads:
        ws = by_camera.setdefault(camera, [])
        if px is not None and px > 0 and len(ws) < window:
            ws.append(float(px))
    return [w for camera, ws in by_camera.items() if (w := plate_width_warning(camera, ws)) is not None]


# --- per-track vote ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameRead:
    """One read of a vehicle's plate on one frame.

    Attributes:
        ts: frame timestamp (epoch seconds).
        text: canonical text ('' if unread).
        confidence: OCR confidence 0–1.
        sharpness: focus measure of the plate crop (variance of the Laplacian), >= 0.
        valid: the text is a valid plate (format and region).
    """

    ts: float
    text: str
    confidence: float
    sharpness: float
    valid: bool = True


@dataclass(frozen=True, slots=True)
class PassageRead:
    """The plate of one vehicle passage, voted over its frames.

    Attributes:
        text: the winning text.
        confidence: the most confident read of the winning text, times twice its share of the vote's
            weight when that share is under a half, 0–1 (uncertain below :data:`UNCERTAIN_BELOW`,
            like a single read; ``benchmarks/plates_passages.py``).
        votes: how many frames read exactly this text.
        reads: how many frames had a usable read.
        best_index: index (into the reads given) of the winner's highest-weight read, for its photo.
    """

    text: str
    confidence: float
    votes: int
    reads: int
    best_index: int


def read_weight(read: FrameRead, *, sharp_ref: float = 100.0) -> float:
    """Vote weight of one read: confidence × a sharpness factor in (0, 1] (1 from ``sharp_ref`` up)."""
    sharp = min(1.0, max(read.sharpness, 0.0) / sharp_ref) if sharp_ref > 0 else 1.0
    return max(read.confidence, 0.0) * (0.25 + 0.75 * sharp)


def vote(
    reads: Sequence[FrameRead], *, sharp_ref: float = 100.0, min_weight: float = 0.0
) -> PassageRead | None:
    """One plate text for one passage: reads weighted by confidence and sharpness.

    Valid reads vote for their whole text. When no text gets half of the weight, the valid
    reads of the commonest length also vote per character position, and the composed text wins
    if it is a valid plate with more weight than the best whole text (a flicker of one
    character across frames — the seed's "A123BC / A12SBC / A1B3SC" — then still gives one
    answer). Invalid reads only count when there are no valid ones.

    Args:
        reads: the passage's frame reads, in any order.
        sharp_ref: sharpness from which a crop counts fully.
        min_weight: total weight below which the passage stays unread (None).

    Returns:
        The passage's read, or None when there was nothing usable.
    """
    reads = _restore_cut_region(reads, sharp_ref=sharp_ref)
    usable = [(i, r) for i, r in enumerate(reads) if r.text]
    valid = [(i, r) for i, r in usable if r.valid]
    pool = valid or usable
    if not pool:
        return None
    weights = {i: read_weight(r, sharp_ref=sharp_ref) for i, r in pool}
    total = sum(weights.values())
    if total <= min_weight or total <= 0:
        return None
    by_text: dict[str, float] = defaultdict(float)
    for i, r in pool:
        by_text[r.text] += weights[i]
    text, best_w = max(by_text.items(), key=lambda kv: (kv[1], kv[0]))
    if best_w < 0.5 * total and valid:
        composed, comp_w = _per_position(valid, weights)
        if composed and composed != text and plate_format(composed) and comp_w > best_w:
            text, best_w = composed, comp_w
    members = [(i, r) for i, r in pool if r.text == text]
    best_index = max(members, key=lambda ir: weights[ir[0]])[0] if members else pool[0][0]
    share = best_w / total
    # The most confident read of the winning text (a text no frame read whole — composed per
    # position — has only its share), scaled down when it has less than half of the vote's weight.
    # Agreeing frames do not lower it (averaging them did: a motion-blurred frame of the same
    # text made a clear passage uncertain); disagreeing ones do, through the share.
    best_conf = max(r.confidence for _, r in members) if members else share
    return PassageRead(text, min(1.0, best_conf * min(1.0, 2.0 * share)), len(members), len(pool), best_index)


#: A valid read that is another valid read of the passage with its last digit cut off (``…147`` read as
#: ``…14``: a small plate's third region digit lost) votes for the longer text when the longer one has at
#: least this share of its weight. Small plates lose that digit far more often than they gain one: on 360
#: generated passages at 60–100 px (``benchmarks/plates_passages.py``, seed 7) 40 had a frame reading the plate
#: without its last digit and 1 a frame with an extra digit.
REGION_CUT_SHARE = 0.3


def _restore_cut_region(reads: Sequence[FrameRead], *, sharp_ref: float) -> Sequence[FrameRead]:
    """``reads`` with each valid read that is a cut-off valid longer read (see :data:`REGION_CUT_SHARE`) re-labelled.

    Example:
        >>> rs = [FrameRead(0.0, "А123ВС14", 0.9, 200.0), FrameRead(0.2, "А123ВС147", 0.6, 200.0)]
        >>> [r.text for r in _restore_cut_region(rs, sharp_ref=100.0)]
        ['А123ВС147', 'А123ВС147']
    """
    weight: dict[str, float] = defaultdict(float)
    for r in reads:
        if r.text and r.valid:
            weight[r.text] += read_weight(r, sharp_ref=sharp_ref)
    longer: dict[str, str] = {}
    for cut in weight:
        whole = [
            t for t in weight
            if len(t) == len(cut) + 1 and t.startswith(cut) and t[-1].isdigit()
            and weight[t] >= REGION_CUT_SHARE * weight[cut]
        ]  # fmt: skip
        if whole:
            longer[cut] = max(whole, key=lambda t: (weight[t], t))
    if not longer:
        return reads
    return [replace(r, text=longer[r.text]) if r.valid and r.text in longer else r for r in reads]


def _per_position(valid: Sequence[tuple[int, FrameRead]], weights: dict[int, float]) -> tuple[str, float]:
    lengths: dict[int, float] = defaultdict(float)
    for i, r in valid:
        lengths[len(r.text)] += weights[i]
    n = max(lengths.items(), key=lambda kv: kv[1])[0]
    same = [(i, r) for i, r in valid if len(r.text) == n]
    chars = []
    weight = 0.0
    for k in range(n):
        tally: dict[str, float] = defaultdict(float)
        for i, r in same:
            tally[r.text[k]] += weights[i]
        ch, w = max(tally.items(), key=lambda kv: (kv[1], kv[0]))
        chars.append(ch)
        weight = w if k == 0 else min(weight, w)
    return "".join(chars), weight


def edit_distance(pred: str, truth: str) -> int:
    """Levenshtein distance between two texts (a set's CER is the sum of these over the truths' lengths)."""
    prev = list(range(len(truth) + 1))
    for i, pc in enumerate(pred, 1):
        cur = [i]
        for j, tc in enumerate(truth, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (pc != tc)))
        prev = cur
    return prev[-1]


def plate_hash(text: str, key: str = "") -> str:
    """Keyed hash of a plate for privacy-preserving storage: HMAC-SHA256 of its Latin spelling, 16 hex digits.

    Look-alike spellings hash alike (``A123BC77`` = ``А123ВС77``), so allow/deny lists still match.
    """
    import hashlib
    import hmac

    return hmac.new(key.encode(), to_latin(text).encode(), hashlib.sha256).hexdigest()[:16]


def on_list(listed: object, wanted: str | None) -> bool:
    """Whether a read's ``listed`` value passes a list filter (``deny``, …, ``any``, ``none``; None: all).

    Example:
        >>> on_list("deny", "any"), on_list(None, "none"), on_list("allow", "deny")
        (True, True, False)
    """
    if wanted is None:
        return True
    if wanted == "any":
        return bool(listed)
    if wanted == "none":
        return not listed
    return listed == wanted


def plate_matches(query: str, text: str) -> bool:
    """Whether a (partial) search matches a plate: look-alike letters are equal, spaces ignored.

    Example:
        >>> plate_matches("a123", "А123ВС77"), plate_matches("bc 77", "А123ВС77"), plate_matches("999", "А123ВС77")
        (True, True, False)
    """
    q = normalize(query)
    return bool(q) and q in normalize(text)


# --- parking ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Passage:
    """One stored plate read of a vehicle passage (what the parking numbers are made of).

    Attributes:
        text: the plate (canonical text or its hash).
        ts: when it was read (epoch seconds).
        direction: ``in``/``out`` (crossed the camera's entrance line), else ``approaching``
            (driving in at a gate camera), ``leaving`` or ``passing``.
        listed: ``deny``, ``allow`` or None.
    """

    text: str
    ts: float
    direction: str
    listed: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleStats:
    """One vehicle's parking in a period.

    Attributes:
        text: the plate.
        passages: how many times it was read.
        entries: passages towards the camera (in); ``exits`` away from it (out).
        first_ts: first read; ``last_ts`` the last.
        parked_s: time parked: each entry paired with the next exit of the same plate, summed.
        visits: entries, or passages when the camera cannot tell in from out.
        listed: ``deny``/``allow``/None.
    """

    text: str
    passages: int
    entries: int
    exits: int
    first_ts: float
    last_ts: float
    parked_s: float
    visits: int
    listed: str | None

    @property
    def repeat(self) -> bool:
        """Came more than once in the period."""
        return self.visits > 1


_IN = ("in", "approaching")
_OUT = ("out", "leaving")


def parking_stats(passages: Sequence[Passage]) -> list[VehicleStats]:
    """Per-vehicle parking numbers: entries, exits, time parked (entry → next exit), repeat visits.

    Example:
        >>> ps = [Passage("А1", 0, "approaching"), Passage("А1", 600, "leaving"), Passage("А1", 900, "approaching")]
        >>> v = parking_stats(ps)[0]
        >>> (v.entries, v.exits, v.parked_s, v.visits, v.repeat)
        (2, 1, 600.0, 2, True)
    """
    by_plate: dict[str, list[Passage]] = defaultdict(list)
    for p in passages:
        by_plate[p.text].append(p)
    out = []
    for text, ps in by_plate.items():
        ps.sort(key=lambda p: p.ts)
        entries = sum(p.direction in _IN for p in ps)
        exits = sum(p.direction in _OUT for p in ps)
        parked = 0.0
        entered: float | None = None
        for p in ps:
            if p.direction in _IN:
                entered = p.ts
            elif p.direction in _OUT and entered is not None:
                parked += p.ts - entered
                entered = None
        listed = next((p.listed for p in reversed(ps) if p.listed), None)
        out.append(
            VehicleStats(
                text, len(ps), entries, exits, ps[0].ts, ps[-1].ts, parked, entries or len(ps), listed
            )
        )
    return sorted(out, key=lambda v: (-v.visits, v.first_ts))
