"""The queue module package."""
