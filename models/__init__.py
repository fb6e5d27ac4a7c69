"""Inference backends (person detection, tracking, later pose/face/plates) and their registry."""
