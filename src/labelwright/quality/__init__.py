"""Quality: agreement, consensus merge, gold scoring and label-error finding (pure functions)."""
