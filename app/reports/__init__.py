"""Reports: Excel workbooks and CSV files for a period, and the daily report (see :mod:`app.reports.builder`)."""
