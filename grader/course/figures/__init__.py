"""Drawings of a grading for the feedback: the student's network, its parameter arithmetic, the learning
curves and their diagnosis.

Pure functions of the stored summaries (grader.core.summaries): no Keras, no Flask, no engine, so the web
pages, the API and the CLI's feedback files all draw the same pictures without grading again.
"""

from grader.course.figures.curves import curves_svg
from grader.course.figures.diagnosis import diagnose
from grader.course.figures.early_stopping import EarlyStopPoint, early_stop
from grader.course.figures.network import expected_layers, network_svg
from grader.course.figures.params import ParamLine, param_lines, param_total_text

__all__ = ["EarlyStopPoint", "ParamLine", "curves_svg", "diagnose", "early_stop", "expected_layers",
           "network_svg", "param_lines", "param_total_text"]
