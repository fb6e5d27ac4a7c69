"""Engine: camera sources, per-camera workers, the analysis pipeline."""
