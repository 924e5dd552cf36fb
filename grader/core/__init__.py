"""Pure grading knowledge: exercise specs, checks, questions, facts, results, scoring, the cost of a model config
and the texts in both languages. No I/O beyond reading spec files, no TensorFlow.
"""
