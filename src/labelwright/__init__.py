"""Labelwright: an open-source image labeling platform."""

__version__ = "0.1.0"
