"""The grading queue kept in the database (claims), run by threads in this process (embedded) or by Celery workers
(celery). The grading function is plugged in by the caller.
"""
