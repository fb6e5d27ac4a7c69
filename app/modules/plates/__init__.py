"""Licence plates module: event types (the stage itself is :mod:`app.engine.plates_stage`)."""
