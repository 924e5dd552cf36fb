"""Grading folders of submissions from the command line: discovery, in-process grading, grading through the broker,
and validation of the exercises.
"""
