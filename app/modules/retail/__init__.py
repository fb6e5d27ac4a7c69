"""The retail module package."""
