"""Registry of the recipe step kinds (``Train``, ``Evaluate``, ``Loop``, ...)."""
from mmengine.registry import Registry

RECIPE_STEPS = Registry('recipe step', locations=['cmkd_mm.recipes.steps'])
