"""Training tools for the plate OCR (PyTorch; development time only, never imported by the app)."""
