"""The Windows installer, checked on Linux: the NSIS script compiles (Debian's makensis) against a
placeholder payload, the uninstaller keeps the data unless asked, and Windows paths (backslashes,
drive letters, UNC shares, platformdirs locations) go through URLs and the site file unchanged.

The real build and install run on a Windows runner (.github/workflows/windows.yml), not here.
"""

from __future__ import annotations

import py_compile
import re
import shutil
import subprocess
from pathlib import Path, PureWindowsPath
from unittest import mock

import pytest
import yaml

from app import paths
from app.config import CameraConfig, SiteConfig, save_config
from app.store.db import parse_url, safe_url

ROOT = Path(__file__).resolve().parents[2]
NSI = ROOT / "installer" / "windows" / "storesight.nsi"
WIN_ENV = {
    "LOCALAPPDATA": r"C:\Users\Ana Müller\AppData\Local",
    "APPDATA": r"C:\Users\Ana Müller\AppData\Roaming",
    "PROGRAMDATA": r"C:\ProgramData",
}


def _sections(text: str) -> dict[str, str]:
    """NSIS section title → its body."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'^Section\s+(?:/o\s+)?"([^"]+)"[^\n]*\n(.*?)^SectionEnd', text, re.M | re.S)
    }


def test_nsis_script_compiles_against_a_placeholder_payload(tmp_path: Path) -> None:
    makensis = shutil.which("makensis")
    assert makensis, "makensis not found: apt-get install nsis (scripts/setup.sh --test installs it)"
    payload = tmp_path / "payload"
    (payload / "_internal").mkdir(parents=True)
    for name in ("storesight.exe", "storesight-gui.exe", "storesight-service.exe", "EDITION", "LICENSE"):
        (payload / name).write_bytes(b"placeholder, not a program\n")
    (payload / "_internal" / "base_library.zip").write_bytes(b"x" * 1000)
    out = tmp_path / "storesight-0.1.0-setup.exe"
    run = subprocess.run(
        [makensis, "-V2", "-DVERSION=0.1.0", f"-DPAYLOAD={payload}", f"-DOUTFILE={out}", str(NSI)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.read_bytes()[:2] == b"MZ" and out.stat().st_size > 100_000  # a Windows program (the NSIS stub)
    # without a payload it refuses, naming what is missing
    bad = subprocess.run([makensis, "-V1", str(NSI)], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "define PAYLOAD" in bad.stdout + bad.stderr


def test_uninstall_keeps_the_data_unless_asked() -> None:
    text = NSI.read_text(encoding="utf-8")
    sections = _sections(text)
    uninstall = {k: v for k, v in sections.items() if k.startswith("un.")}
    data = [k for k in uninstall if "data" in k.lower() and "delete" in k.lower()]
    assert len(data) == 1
    assert re.search(r'^Section\s+/o\s+"' + re.escape(data[0]), text, re.M), "the data section must be unticked"
    for title, body in uninstall.items():
        touches_data = any(v in body for v in ("$LOCALAPPDATA", "$APPDATA", "STORESIGHT_DATA_DIR"))
        assert touches_data == (title == data[0]), title
    assert "/DELETEDATA" in text  # silent uninstalls keep data unless told


def test_data_folders_are_where_the_app_looks() -> None:
    """The uninstaller's folders are platformdirs' for the app name (user: LocalAppData, all: ProgramData)."""
    from platformdirs import windows

    names = {"CSIDL_LOCAL_APPDATA": "LOCALAPPDATA", "CSIDL_COMMON_APPDATA": "PROGRAMDATA", "CSIDL_APPDATA": "APPDATA"}
    with mock.patch.object(windows, "get_win_folder", lambda csidl: WIN_ENV[names[csidl]]):
        dirs = windows.Windows(paths.APP_NAME, appauthor=False)
        user, machine = PureWindowsPath(dirs.user_data_dir), PureWindowsPath(dirs.site_data_dir)
    assert user == PureWindowsPath(r"C:\Users\Ana Müller\AppData\Local\StoreSight")
    assert machine == PureWindowsPath(r"C:\ProgramData\StoreSight")
    text = NSI.read_text(encoding="utf-8")
    assert f'!define APP "{paths.APP_NAME}"' in text
    data_body = next(v for k, v in _sections(text).items() if k.startswith("un.Also delete"))
    # NSIS: $LOCALAPPDATA (current user) and $APPDATA with SetShellVarContext all (= ProgramData)
    assert "SetShellVarContext current\n  RMDir /r \"$LOCALAPPDATA\\${APP}\"" in data_body
    assert "SetShellVarContext all\n  RMDir /r \"$APPDATA\\${APP}\"" in data_body


@pytest.mark.parametrize(
    ("url", "database"),
    [
        (r"sqlite:///C:\ProgramData\StoreSight\storesight.db", r"C:\ProgramData\StoreSight\storesight.db"),
        ("sqlite:///C:/Program Files/StoreSight data/ss.db", "C:/Program Files/StoreSight data/ss.db"),
        ("sqlite:///D:/Магазин/ss.db", "D:/Магазин/ss.db"),
        ("sqlite://///nas/share/StoreSight/ss.db", "//nas/share/StoreSight/ss.db"),
    ],
)
def test_windows_database_paths_survive_the_url(url: str, database: str) -> None:
    parsed = parse_url(url)
    assert parsed.get_backend_name() == "sqlite" and parsed.database == database
    assert safe_url(url) == f"sqlite:///{database}"  # as written, not C%3A%5C… (messages, doctor)
    # what the app builds from a Windows data folder (as_posix) parses back to the same file
    folder = PureWindowsPath(database).parent
    built = f"sqlite:///{(folder / paths.DB_FILE_NAME).as_posix()}"
    assert PureWindowsPath(parse_url(built).database) == folder / paths.DB_FILE_NAME


def test_windows_paths_round_trip_through_site_yaml(tmp_path: Path) -> None:
    sources = {
        "door": r"D:\Videos\door 1.mp4",
        "nas": r"\\nas\cams\till.mp4",
        "slash": "C:/Recordings/aisle.mkv",
    }
    cfg = SiteConfig.model_validate(
        {
            "site": {"name": "Магазин №1"},
            "storage": {"data_dir": r"E:\StoreSight data", "db_url": r"sqlite:///E:\StoreSight data\ss.db"},
            "detector": {"model_dir": r"\\server\models"},
            "cameras": [{"id": k, "source": v} for k, v in sources.items()] + [{"id": "usb", "source": "0"}],
        }
    )
    assert [c.kind for c in cfg.cameras] == ["file", "file", "file", "usb"]
    save_config(cfg, tmp_path / "site.yaml")
    raw = yaml.safe_load((tmp_path / "site.yaml").read_text(encoding="utf-8"))
    assert raw["storage"]["data_dir"] == r"E:\StoreSight data"
    assert raw["storage"]["db_url"] == r"sqlite:///E:\StoreSight data\ss.db"
    assert raw["detector"]["model_dir"] == r"\\server\models"
    assert {c["id"]: c["source"] for c in raw["cameras"]} == {**sources, "usb": "0"}
    assert raw["site"]["name"] == "Магазин №1"
    rtsp = CameraConfig.model_validate({"id": "c", "source": "rtsp://10.0.0.5:554/Streaming/Channels/101"})
    assert rtsp.kind == "rtsp"


def test_service_wrapper_and_spec_agree_with_the_installer() -> None:
    entry = ROOT / "installer" / "windows" / "service_entry.py"
    py_compile.compile(str(entry), doraise=True)
    name = re.search(r'_svc_name_ = "(\w+)"', entry.read_text()).group(1)  # type: ignore[union-attr]
    nsi = NSI.read_text(encoding="utf-8")
    assert f'!define SERVICE "{name}"' in nsi
    assert "storesight-service.exe\" --startup auto install" in nsi
    spec = (ROOT / "installer" / "storesight.spec").read_text()
    for exe in ("storesight", "storesight-gui", "storesight-service"):
        assert f'name="{exe}"' in spec
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "windows.yml").read_text())
    job = workflow["jobs"]["build-and-smoke"]
    assert job["runs-on"].startswith("windows")
    steps = " ".join(str(s.get("run", "")) for s in job["steps"])
    assert "build-windows.ps1" in steps and "/SERVICE" in steps and "uninstall.exe" in steps
