"""Background jobs of the running app besides the engine: the daily report and the notifications.

One call for the GUI (or a headless service) to start both as the site config says, and one to
stop them — the engine does not depend on them, and they do not depend on the engine: both read
what the store writer committed.

Example:
    >>> import tempfile
    >>> from app.config import SiteConfig
    >>> from app.store.db import open_store
    >>> cfg = SiteConfig.model_validate({"site": {"name": "Demo"}})
    >>> svc = BackgroundServices.start(cfg, open_store("sqlite://"), data_dir=tempfile.mkdtemp())
    >>> svc.running()                       # both are off in a plain config
    []
    >>> svc.stop()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.config import SiteConfig
from app.notify.worker import NotifyWorker
from app.reports.scheduler import DailyReportScheduler
from app.store.db import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BackgroundServices:
    """The started jobs (None when off in the config)."""

    reports: DailyReportScheduler | None = None
    notify: NotifyWorker | None = None

    @classmethod
    def start(cls, cfg: SiteConfig, store: Store, *, data_dir: str | Path) -> BackgroundServices:
        """Start the daily report (``reports.daily``) and the notifications (``notifications.enabled``).

        Daily reports go to ``reports.folder``, else ``<data dir>/reports``.
        """
        out = cls()
        if cfg.reports.daily:
            folder = (
                Path(cfg.reports.folder).expanduser() if cfg.reports.folder else Path(data_dir) / "reports"
            )
            # every camera of the database (one site per database; a chain's shared PostgreSQL
            # database would pass this site's cameras here once sites can be told apart in reports)
            out.reports = DailyReportScheduler(store, cfg.reports, folder=folder, site=cfg.site.name)
            out.reports.start()
            log.info("daily report at %s into %s", cfg.reports.daily_time.strftime("%H:%M"), folder)
        if cfg.notifications.enabled:
            out.notify = NotifyWorker(store, cfg.notifications, data_dir=data_dir)
            if out.notify.channels:
                out.notify.start()
                log.info("notifications to %s", ", ".join(c.describe() for c in out.notify.channels.values()))
            else:
                out.notify = None
        return out

    def running(self) -> list[str]:
        """Names of the jobs whose thread is alive."""
        jobs = {"daily report": self.reports, "notifications": self.notify}
        return [name for name, job in jobs.items() if job is not None and job.running]

    def stop(self) -> None:
        """Stop both (in reverse order of start)."""
        if self.notify is not None:
            self.notify.stop()
        if self.reports is not None:
            self.reports.stop()
