"""The trusted evaluator: a sandboxed process that rebuilds the student's model from its config, inspects it and
trains it briefly.
"""
