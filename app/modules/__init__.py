"""Module packages: one package per analytics module, found by :mod:`app.modules.registry`."""
