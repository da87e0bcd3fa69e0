"""The failure drill (issue 9): real `chatcart serve` processes, a faulty fake Bot API, kill -9, restarts.

`make drill` (or `python -m tests.drill`) prints one row per scenario and backend; `tests/test_drill.py` runs
a small subset in the suite.
"""
