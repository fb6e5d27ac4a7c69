"""The Windows installer run for real under Wine: silent install, shortcuts, service calls, uninstall.

What this proves: the compiled NSIS installer (installer/windows/storesight.nsi, 64-bit) installs
silently into ``C:\\Program Files\\StoreSight``, writes the Add/Remove Programs entry, the Start-menu
and desktop shortcuts, the machine-wide data folder variable, calls the service program with the
arguments that register and start the service; its uninstaller stops and removes the service,
deletes the program, shortcuts and registry entry and **keeps the data** (a reinstall finds them);
``/DELETEDATA`` deletes them.

What it does not prove: the payload is a stand-in (``wine/standin.c``, cross-compiled with
mingw-w64: it records its command line and exits 0), because PyInstaller cannot build the Windows
program on Linux; Wine is not Windows (no real service manager, no UAC, ``icacls``/``sc`` are Wine's).
The real program is built and installed on a Windows runner (.github/workflows/windows.yml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NSI = ROOT / "installer" / "windows" / "storesight.nsi"
PROGRAMS = "drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/StoreSight"
UNINST_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\StoreSight"
ENV_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found: scripts/setup.sh --test installs wine, mingw-w64 and nsis"
    return path


class _Wine:
    """A fresh 64-bit Wine prefix in a temp folder."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {
            **os.environ,
            "WINEPREFIX": str(prefix),
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono/Gecko install dialogs
            "STORESIGHT_STANDIN_LOG": r"C:\standin.log",
        }
        self.env.pop("DISPLAY", None)  # silent installs need no display
        self.wine = _tool("wine")

    def run(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([self.wine, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        # the uninstaller re-launches itself from %TEMP%: wait until every Wine process has ended
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=timeout, check=False)
        return out

    def c(self, rel: str) -> Path:
        return self.prefix / "drive_c" / rel

    def reg(self, key: str, value: str | None = None) -> str:
        args = ["reg", "query", key] + (["/v", value] if value else [])
        return self.run(*args, timeout=120).stdout

    def calls(self) -> list[str]:
        log = self.c("standin.log")
        return log.read_text(errors="replace").splitlines() if log.exists() else []


@pytest.fixture(scope="module")
def setup_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real installer script compiled around a stand-in payload (three tiny Windows programs)."""
    work = tmp_path_factory.mktemp("nsis")
    exe = work / "standin.exe"
    subprocess.run(
        [_tool("x86_64-w64-mingw32-gcc"), "-O2", "-s", "-o", str(exe), str(ROOT / "tests/installer/wine/standin.c")],
        check=True, timeout=300,
    )  # fmt: skip
    payload = work / "payload"
    (payload / "_internal").mkdir(parents=True)
    for name in ("storesight.exe", "storesight-gui.exe", "storesight-service.exe"):
        shutil.copy(exe, payload / name)
    (payload / "_internal" / "base_library.zip").write_bytes(b"stand-in")
    (payload / "EDITION").write_text("cpu\n")
    shutil.copy(ROOT / "LICENSE", payload / "LICENSE")
    out = work / "storesight-0.1.0-cpu-setup.exe"
    subprocess.run(
        [_tool("makensis"), "-V2", "-DVERSION=0.1.0", f"-DPAYLOAD={payload}", f"-DOUTFILE={out}", str(NSI)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    head = out.read_bytes()[:4096]
    pe = int.from_bytes(head[0x3C:0x40], "little")
    assert head[:2] == b"MZ" and head[pe : pe + 4] == b"PE\0\0"
    assert int.from_bytes(head[pe + 4 : pe + 6], "little") == 0x8664  # a 64-bit (x86-64) installer
    return out


def test_silent_install_uninstall_keeps_data_reinstall_and_delete_data(setup_exe: Path, tmp_path: Path) -> None:
    wine = _Wine(tmp_path / "prefix")
    boot = wine.run("wineboot", "-i")
    assert wine.c("windows/system32").is_dir(), boot.stderr[-2000:]

    # 1. silent install with the service and the desktop shortcut
    res = wine.run(str(setup_exe), "/S", "/SERVICE", "/DESKTOP")
    assert res.returncode == 0, res.stderr[-2000:]
    app = wine.c("Program Files/StoreSight")
    assert {p.name for p in app.iterdir()} == {
        "storesight.exe", "storesight-gui.exe", "storesight-service.exe", "_internal", "EDITION", "LICENSE",
        "storesight.ico", "uninstall.exe",
    }  # fmt: skip
    assert (app / "_internal" / "base_library.zip").read_bytes() == b"stand-in"
    menu = wine.prefix / PROGRAMS
    assert {p.name for p in menu.iterdir()} == {
        "StoreSight.lnk", "StoreSight doctor (support check).lnk", "Uninstall StoreSight.lnk",
        "StoreSight data folder.lnk",
    }  # fmt: skip
    assert "storesight-gui.exe".encode("utf-16-le") in (menu / "StoreSight.lnk").read_bytes() or (
        b"storesight-gui.exe" in (menu / "StoreSight.lnk").read_bytes()
    )
    doctor = (menu / "StoreSight doctor (support check).lnk").read_bytes()
    assert b"d\x00o\x00c\x00t\x00o\x00r" in doctor or b"doctor" in doctor  # cmd.exe /k "...storesight.exe" doctor
    assert wine.c("users/Public/Desktop/StoreSight.lnk").is_file()
    key = wine.reg(UNINST_KEY)
    assert "DisplayVersion    REG_SZ    0.1.0" in key
    assert r'"C:\Program Files\StoreSight\uninstall.exe" /S' in key
    assert r"C:\ProgramData\StoreSight" in wine.reg(ENV_KEY, "STORESIGHT_DATA_DIR")
    svc = r"C:\Program Files\StoreSight\storesight-service.exe"
    assert wine.calls() == [f"{svc} --startup auto install", f"{svc} start"]

    # 2. the store works for a while: a site, a database, a user's own data folder
    data = wine.c("ProgramData/StoreSight")
    (data / "site.yaml").write_text("site: {name: Till 7}\n")
    (data / "storesight.db").write_bytes(b"SQLite format 3\x00")
    user_data = wine.c("users") / os.environ.get("USER", "root") / "AppData/Local/StoreSight"
    user_data.mkdir(parents=True, exist_ok=True)
    (user_data / "site.yaml").write_text("site: {name: Desk}\n")

    # 3. silent uninstall: program, shortcuts, service and entry gone; every data folder kept
    res = wine.run(str(app / "uninstall.exe"), "/S")
    assert res.returncode == 0, res.stderr[-2000:]
    assert not app.exists()
    assert not menu.exists() and not wine.c("users/Public/Desktop/StoreSight.lnk").exists()
    assert "StoreSight" not in wine.reg(UNINST_KEY)
    assert wine.calls()[2:] == [f"{svc} stop", f"{svc} remove"]
    assert (data / "site.yaml").read_text() == "site: {name: Till 7}\n"
    assert (data / "storesight.db").is_file() and (user_data / "site.yaml").is_file()
    assert r"C:\ProgramData\StoreSight" in wine.reg(ENV_KEY, "STORESIGHT_DATA_DIR")  # a reinstall finds them

    # 4. reinstall (no service this time): the data are as they were
    res = wine.run(str(setup_exe), "/S")
    assert res.returncode == 0 and (app / "storesight.exe").is_file()
    assert (data / "site.yaml").read_text() == "site: {name: Till 7}\n"
    assert not wine.c("users/Public/Desktop/StoreSight.lnk").exists()  # /DESKTOP not given

    # 5. uninstall with /DELETEDATA: the data go too
    res = wine.run(str(app / "uninstall.exe"), "/S", "/DELETEDATA")
    assert res.returncode == 0
    assert not app.exists() and not data.exists() and not user_data.exists()
    assert "STORESIGHT_DATA_DIR" not in wine.reg(ENV_KEY, "STORESIGHT_DATA_DIR")
