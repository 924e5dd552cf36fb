"""The grading engine: student code in the sandbox, the trusted evaluator, and the pipeline that turns a submission
into a GradeResult.
"""
