"""The roles module package."""
