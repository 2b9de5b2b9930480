"""Image intake primitives: probing, blob storage, sources and safe URL fetching.

The bottom layer: nothing here imports the rest of labelwright.
"""
