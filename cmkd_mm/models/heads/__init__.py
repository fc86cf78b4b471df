from .logit_cls_head import LogitClsHead

__all__ = ['LogitClsHead']
