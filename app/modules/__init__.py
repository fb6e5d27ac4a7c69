"""Module packages: one package per analytics module (its event types today; settings, class, stats next)."""
