"""Left and missing objects: the ``objects`` module (settings, module, events) and its evaluation clips."""
