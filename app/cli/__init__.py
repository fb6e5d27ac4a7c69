"""Headless command-line interface (`storesight ...`)."""
