# Adversarial cross-modal KD with a separate optimizer for the discriminator (Adam), the
# student keeping SGD. One backward pass; each optimizer steps its own parameters.
_base_ = ['./cmkd-adv_fcn-r18_rgb-thermal-to-thermal_mfnet_demo.py']

optim_wrapper = dict(
    _delete_=True,
    constructor='mmrazor.SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=5e-4)),
    distiller=dict(optimizer=dict(type='Adam', lr=1e-3)))
param_scheduler = dict(
    _delete_=True,
    architecture=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=40),
        dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=40, end=400, by_epoch=False)
    ],
    distiller=dict(type='ConstantLR', factor=1.0, by_epoch=False))
model_wrapper_cfg = dict(type='mmrazor.DistillDistributedDataParallel', find_unused_parameters=True)
