"""Synthetic data: scenes of 3D models rendered into images with exact labels."""
