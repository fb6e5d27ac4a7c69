"""The service module package."""
