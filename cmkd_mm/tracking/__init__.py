"""Experiment tracking with MLflow: the run backend of a training run and the runs of a recipe.

MLflow itself is imported only when tracking is switched on (``pip install -e .[tracking]``).
"""
