# Adversarial cross-modal KD: a discriminator behind a gradient-reversal layer tells teacher
# from student features of the last backbone stage; it trains jointly with the student
# (configs/_base_/methods/cmkd-adv_fcn-r18.py).
_base_ = [
    '../_base_/methods/cmkd-adv_fcn-r18.py', '../_base_/datasets/mfnet_demo.py',
    '../_base_/schedules/demo_400it.py'
]
