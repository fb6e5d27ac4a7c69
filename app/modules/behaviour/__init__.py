"""The behaviour module package."""
