"""The headless service: ``storesight serve`` (supervisor, live state over HTTP)."""
