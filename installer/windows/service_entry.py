r"""``storesight-service.exe``: the StoreSight Windows service, which runs ``storesight serve`` at boot.

Built into the Windows bundle by ``installer/storesight.spec`` (needs ``pywin32``); registered by the
NSIS installer (``storesight-service.exe --startup auto install``, then ``start``) and removed by its
uninstaller (``stop``, ``remove``). Without arguments the Service Control Manager starts it.

The service runs as LocalSystem, so its data folder is not a user's: it is ``$STORESIGHT_DATA_DIR``
(the installer sets it machine-wide to ``%ProgramData%\StoreSight``, shared with the window), else
:func:`app.paths.machine_data_dir`. It analyses the site of ``site.yaml`` there — written by the
window's first-run wizard — and waits (checking every 30 s) until that file exists. Stopping the
service sets the stop event ``storesight serve`` watches: every camera's run ends cleanly.

This file cannot run on Linux (pywin32); the Windows CI workflow builds and starts it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import servicemanager  # type: ignore[import-not-found]
import win32service  # type: ignore[import-not-found]
import win32serviceutil  # type: ignore[import-not-found]

WAIT_FOR_SITE_S = 30.0


class StoreSightService(win32serviceutil.ServiceFramework):  # type: ignore[misc]
    """The Windows service around ``storesight serve``."""

    _svc_name_ = "StoreSight"
    _svc_display_name_ = "StoreSight recorder"
    _svc_description_ = (
        "Analyses the store's cameras in the background (storesight serve): footfall, dwell, queues, alerts."
    )

    def __init__(self, args: list[str]) -> None:
        super().__init__(args)
        self.stop = threading.Event()

    def SvcStop(self) -> None:
        """Ask ``serve`` to end every camera's run and return."""
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING)
        self.stop.set()

    def SvcDoRun(self) -> None:
        """Run ``storesight serve --config <data folder>/site.yaml`` until stopped."""
        from app import paths
        from app.errors import UserError

        folder = Path(os.environ.get(paths.DATA_DIR_ENV) or paths.machine_data_dir())
        os.environ[paths.DATA_DIR_ENV] = str(folder)
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            filename=folder / "logs" / "service.log",
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        site = folder / "site.yaml"
        while not site.is_file():
            servicemanager.LogInfoMsg(f"StoreSight: no site yet ({site}); open StoreSight to set it up")
            if self.stop.wait(WAIT_FOR_SITE_S):
                return
        from app.cli.main import build_parser
        from app.cli.serve_cmd import cmd_serve

        args = build_parser().parse_args(["serve", "--config", str(site), "--status-every", "300"])
        try:
            cmd_serve(args, self.stop)
        except UserError as e:
            servicemanager.LogErrorMsg(f"StoreSight: {e}")
            logging.error("%s", e)
            raise SystemExit(1) from None


if __name__ == "__main__":
    if len(sys.argv) == 1:  # started by the Service Control Manager
        servicemanager.Initialize()
        servicemanager.PrepareToHostSingle(StoreSightService)
        servicemanager.StartServiceCtrlDispatcher()
    else:  # install / remove / start / stop / --startup auto install
        win32serviceutil.HandleCommandLine(StoreSightService)
