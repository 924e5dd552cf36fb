"""Questions: multiple choice, numeric, shape and free-text answers, with per-student variants."""
