"""The StoreSight application: config, engine, store, reports, CLI and GUI."""

__version__ = "0.1.0"
