"""Auto-labeling: the model protocol, the registry and the built-in models."""
