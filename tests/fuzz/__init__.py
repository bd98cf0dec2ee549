"""Fuzzing evlm's inputs: targets and strategies (targets.py), and a large-budget runner (run.py)."""
