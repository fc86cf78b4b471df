"""Helpers shared by the package and the tools: configs, tables, paths and deprecations."""
