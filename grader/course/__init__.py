"""The course as teachers and students see it: assignments, intake of submissions, regrades, gradebook, analytics,
exports, accounts.
"""
