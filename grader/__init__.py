"""grader: automated grading of Keras exercises and quizzes for a Spanish-language deep-learning course.

The pipeline reads as a few modules: specs -> sandbox -> inspect -> checks -> scoring -> store,
and `grader.service` is the one keyword-only entry point that the CLI, the web and workers call.
"""

__version__ = "0.1.0"
