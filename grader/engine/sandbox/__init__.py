"""Running student code in a separate, limited process; only plain JSON comes back."""
