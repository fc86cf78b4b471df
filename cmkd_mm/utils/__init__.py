from .tools import load_tool

__all__ = ['load_tool']
