"""Shelf gaps: the ``shelf`` module (settings, module, events), its evaluation set and its CLI."""
