"""grader: automated grading of Keras exercises and quizzes for a Spanish-language deep-learning course.

One folder per layer, each importing only those below it: core (pure grading knowledge) -> engine (sandbox,
evaluator, pipeline) and db (storage, `Runtime`) -> course and queue -> batch and web -> cli.
"""

__version__ = "0.1.0"
