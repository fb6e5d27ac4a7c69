"""The tracks module package."""
