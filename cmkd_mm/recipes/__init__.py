"""Recipes: multi-stage methods declared as configs and run by one resumable runner.

``RecipeRunner`` plans a recipe (``configs/recipes/*.py``), checks that every hand-over names an
earlier stage's output, runs the stages in ``<work_dir>/<stage>/`` (skipping finished ones,
resuming interrupted ones) and writes ``results.md`` / ``results.json``. The step kinds
(``Train``, ``Evaluate``, ``Loop``, ``CacheTeacher``, ``MAVOCInference``, ``DemoData``,
``STFToCOCO``, ``XView2Masks``) live in ``RECIPE_STEPS``, each registered by its own module;
``docs/recipes.md`` shows how to write one.
"""
from .registry import RECIPE_STEPS
from .runner import MARKER, RecipeContext, RecipeRunner
from .steps import *  # noqa: F401,F403

__all__ = ['MARKER', 'RECIPE_STEPS', 'RecipeContext', 'RecipeRunner']
