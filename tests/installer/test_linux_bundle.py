"""The Linux bundle, built by ``bash installer/build-linux.sh`` and started as a user would (slow).

Builds the CPU edition once (several minutes; ``STORESIGHT_REUSE_BUNDLE=1`` reuses the .deb in
``dist/``), then runs the built program — not Python — from the unpacked ``.deb``:
``--version``, ``doctor``, ``demo`` on the bundled video, ``gui --screenshot`` offscreen, and
``serve`` when the CLI has it. The ``.deb``'s layout (``/opt/storesight``, ``/usr/bin`` link,
desktop entry, icon) is checked with ``dpkg-deb``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

ROOT = Path(__file__).resolve().parents[2]


# What a build leaves in the checkout besides the .deb: the build venv, PyInstaller's work folder, the .deb's
# staging root and the program folder — about 2 GB, removed as soon as the .deb exists so CI's disk stays free.
_INTERMEDIATES = ("build/venv-cpu", "build/pyinstaller-cpu", "build/deb-cpu", "dist/cpu")


@pytest.fixture(scope="module")
def deb() -> Iterator[Path]:
    """The CPU edition's .deb (built here unless ``STORESIGHT_REUSE_BUNDLE=1`` and it exists).

    A build made here is removed with everything it wrote once the module is done; a reused one is kept.
    """
    from app import __version__

    path = ROOT / "dist" / f"storesight_{__version__}_amd64.deb"
    built = os.environ.get("STORESIGHT_REUSE_BUNDLE") != "1" or not path.is_file()
    if built:
        env = dict(os.environ, PYTHON=sys.executable)
        run = subprocess.run(
            ["bash", "installer/build-linux.sh", "cpu", "--no-tar"], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=1800,
        )  # fmt: skip
        for rel in _INTERMEDIATES:
            shutil.rmtree(ROOT / rel, ignore_errors=True)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert path.is_file()
    yield path
    if built:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def installed(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The .deb unpacked into a scratch root (as dpkg would install it): yields the root, removed afterwards."""
    root = tmp_path_factory.mktemp("debroot")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=600)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(QT_QPA_PLATFORM="offscreen", STORESIGHT_DATA_DIR=str(tmp / "data"), HOME=str(tmp))
    env["PATH"] = "/usr/bin:/bin"  # no venv on the PATH: the bundle must carry everything
    return env


def test_deb_layout(deb: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "./opt/storesight/storesight" in listing
    assert "./usr/bin/storesight -> /opt/storesight/storesight" in listing
    assert "./usr/share/applications/storesight.desktop" in listing
    assert "./usr/share/icons/hicolor/256x256/apps/storesight.png" in listing
    assert "/_internal/models/weights/nanodet/nanodet.onnx" in listing
    assert "/_internal/resources/demo/vtest.avi" in listing
    # the CPU edition: CPU PyTorch (the tracker), no torchvision, no CUDA libraries, no torch tests
    assert "/_internal/torch/lib/libtorch_cpu.so" in listing
    for absent in ("libtorch_cuda", "libcudnn", "libcublas", "/torchvision/", "/torch/test/", "/polars"):
        assert absent not in listing, absent
    info = subprocess.run(["dpkg-deb", "-I", str(deb)], capture_output=True, text=True, check=True).stdout
    assert "Package: storesight" in info and "Architecture: amd64" in info


def test_bundled_program_runs(installed: Path, tmp_path: Path) -> None:
    exe = installed / "opt" / "storesight" / "storesight"
    env = _env(tmp_path)
    t0 = time.monotonic()
    out = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=300)
    print(f"bundle --version: {time.monotonic() - t0:.2f} s")
    assert out.returncode == 0 and out.stdout.strip().startswith("StoreSight "), out.stderr

    doc = subprocess.run([str(exe), "doctor", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert doc.returncode == 0, doc.stdout + doc.stderr
    checks = {c["name"]: c for c in json.loads(doc.stdout)["checks"]}
    assert checks["versions"]["data"]["edition"] == "cpu"
    assert checks["versions"]["data"]["libraries"]["torch"].endswith("+cpu")  # the CPU build, for the tracker
    assert checks["backend"]["data"]["runs"] == "nanodet"
    yolo = next(b for b in checks["backend"]["data"]["backends"] if b["key"] == "yolo")
    assert not yolo["available"] and "torchvision" in yolo["detail"]  # degraded cleanly, not crashed

    demo = subprocess.run(
        [str(exe), "demo", "--out", str(tmp_path / "demo"), "--no-progress"],
        env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert (tmp_path / "demo" / "storesight.db").is_file()
    assert "Traceback" not in demo.stderr

    stats = subprocess.run(
        [str(exe), "stats", "--db", str(tmp_path / "demo" / "storesight.db"), "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)  # the same numbers as from a checkout (tests/cli cover their values)

    shots = tmp_path / "shots"
    gui = subprocess.run(
        [str(exe), "gui", "--screenshot", str(shots), "--db", str(tmp_path / "demo" / "storesight.db")],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert gui.returncode == 0, gui.stdout[-2000:] + gui.stderr[-2000:]
    names = {p.stem for p in shots.glob("*.png")}
    assert {"live", "dashboard", "settings", "first-run-store", "first-run-line"} <= names

    helptext = subprocess.run([str(exe), "--help"], env=env, capture_output=True, text=True, timeout=120).stdout
    if "serve" in helptext.split():  # the headless service (its own issue): a few seconds on the demo site
        import signal

        site = installed / "opt" / "storesight" / "_internal" / "resources" / "demo" / "site.yaml"
        proc = subprocess.Popen(
            [str(exe), "serve", "--config", str(site), "--db", str(tmp_path / "serve.db"), "--no-api",
             "--status-every", "2"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(20)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        proc.send_signal(signal.SIGTERM)
        out_s, err_s = proc.communicate(timeout=120)
        assert proc.returncode == 0, err_s[-2000:]
        assert "Traceback" not in err_s and "stopped" in out_s


def test_bad_arguments_are_one_line_from_the_bundle(installed: Path, tmp_path: Path) -> None:
    exe = installed / "opt" / "storesight" / "storesight"
    out = subprocess.run(
        [str(exe), "analyze", str(tmp_path / "missing.mp4")], env=_env(tmp_path), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 3, out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("storesight: error:") == 1


def test_desktop_entry_is_valid() -> None:
    validator = shutil.which("desktop-file-validate")
    text = (ROOT / "installer" / "linux" / "storesight.desktop").read_text()
    assert "Exec=/opt/storesight/storesight gui" in text and "Icon=storesight" in text
    if validator:
        run = subprocess.run([validator, str(ROOT / "installer" / "linux" / "storesight.desktop")], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr
