# Adversarial cross-modal KD with a separate optimizer for the discriminator (Adam), the
# student keeping the schedule's SGD and learning rates. One backward pass; each optimizer steps
# its own parameters.
_base_ = ['./cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py']

optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=_base_.optim_wrapper.optimizer),
    distiller=dict(optimizer=dict(type='Adam', lr=1e-3)))
param_scheduler = dict(
    _delete_=True,
    architecture=_base_.param_scheduler,
    distiller=dict(type='ConstantLR', factor=1.0, by_epoch=False))
model_wrapper_cfg = dict(type='mmrazor.DistillDistributedDataParallel', find_unused_parameters=True)
