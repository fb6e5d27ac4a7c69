"""Fault suite: a camera faster than the detector (issue 19).

The demo video's people come as a live 50 fps RTSP stream from the real test server; the real
pipeline, detector and store analyse it. Frames the analysis cannot take are dropped (the oldest
first) and counted, and memory stays flat: it does not grow with the frames dropped.
``benchmarks/overload.py`` is the same measurement as a table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.overload import run_overload
from tests.fixtures_rtsp import RtspTestServer

pytestmark = [pytest.mark.slow, pytest.mark.rtsp, pytest.mark.timeout(300)]

FRAME_MB = 768 * 576 * 3 / 2**20  # one decoded frame of the stream


def test_overload_drops_and_counts_frames_with_memory_flat(
    rtsp_server_factory: Callable[..., RtspTestServer], demo_jpegs: str, tmp_path: Path
) -> None:
    srv = rtsp_server_factory(jpegs=demo_jpegs, fps=50)
    res = run_overload(srv.url, seconds=60, out=tmp_path)
    assert res.status == "incomplete"  # stopped by the test, as a live camera is
    assert res.analysed == res.taken > 0
    # overloaded: a real share of the 50 fps stream cannot be analysed (the detector does ~15-25 fps on a
    # 2-core box; at 25 fps a quiet CI machine kept up with 96 %); a detector that keeps up makes the
    # scenario void, and the test says so
    if res.dropped <= 0.1 * res.delivered:  # a fast or quiet machine analysed nearly every frame
        pytest.skip(f"the detector kept up with the 50 fps stream here ({res.dropped} of {res.delivered} dropped)")
    # Every delivered frame was either taken or counted as dropped (at most 2 still in the buffer).
    assert 0 <= res.delivered - res.taken - res.dropped <= 2, res
    # Memory: from 20 s after the first frame (the detector, tracker and SQLite warm up for ~20-30 s:
    # benchmarks/overload.py) to the end, RSS grows by far less than the frames dropped meanwhile
    # would take if they were kept.
    first = next(s for s in res.samples if s[0] >= res.samples[0][0] + 20)
    last = res.samples[-1]
    grew, dropped = last[1] - first[1], last[5] - first[5]
    assert dropped > 100, res.samples
    assert grew < min(40.0, 0.05 * dropped * FRAME_MB), (grew, dropped, res.samples)
