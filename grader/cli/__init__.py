"""The `grader` command: one module per group of subcommands."""
