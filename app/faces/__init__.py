"""Faces on the app side: the encrypted gallery, enrolment, identification, erasure, blurring, consent.

The models are in :mod:`models.faces`; the pipeline stage in :mod:`app.engine.faces_stage`; the
settings, events and report sheet in the module package :mod:`app.modules.faces`.
"""
