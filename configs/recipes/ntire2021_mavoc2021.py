# NTIRE 2021 MAVOC (SAR/EO aerial vehicle classification; the EO model is tested) as one
# recipe with all four of the NTIRE 2021 code's methods. Shared stages train once:
#   eo        EO "pre-train" (ResNet-34, class-weighted CE with label mixing);
#   sar       the SAR model re-fitted from it (load_from <- eo.best);
#   kd1       KD method 1: the SAR model teaches the EO student (0.8 CE + 0.2 KL, T = 2);
#   kd2       KD method 2: 5 iterations of an EO step (SAR teacher) and a SAR step (EO
#             teacher), each from its own latest model, lr 0.01 * 0.5^i;
# then the evaluations the NTIRE 2021 code reports (val top-1 / per-class accuracy / confusion
# matrix, test predictions in <stage>/results.csv): baseline (eo), kd1, kd1 + per-class confidence
# balancing (k = 85 of the 826 test chips), kd2 (the last EO student).
#   python tools/run_recipe.py configs/recipes/ntire2021_mavoc2021.py --data-root data/mavoc2021
_cls = 'configs/classification/ntire2021/'
_iterations = 5
_val = dict(type='MAVOCMetric', out_dir='{stage_dir}/val')
_test = dict(type='MAVOCMetric', submission_file='{stage_dir}/results.csv')
_balancing = dict(k=85, classes=(0, 1, 2, 3))
stages = dict(
    eo=dict(type='Train', config=_cls + 'baseline_resnet34_eo_mavoc2021.py'),
    sar=dict(
        type='Train',
        config=_cls + 'teacher_resnet34_sar_mavoc2021.py',
        inputs={'load_from': 'eo.best'}),
    kd1=dict(
        type='Train',
        config=_cls + 'kd1_resnet34_sar-to-eo_mavoc2021.py',
        inputs={
            'model.teacher_ckpt': 'sar.best',
            'model.architecture.init_cfg.checkpoint': 'eo.best'
        }),
    kd2=dict(
        type='Loop',
        iterations=_iterations,
        carry=dict(eo='eo.best', eo_config='eo.config', sar='sar.best'),
        body=dict(
            eo_step=dict(
                type='Train',
                config=_cls + 'kd2-eo-step_resnet34_sar-to-eo_mavoc2021.py',
                extract_student=True,
                inputs={
                    'model.teacher_ckpt': 'kd2.sar',
                    'model.architecture.init_cfg.checkpoint': 'kd2.eo'
                },
                per_iteration={
                    'optim_wrapper.optimizer.lr': [0.01 * 0.5**i for i in range(_iterations)]
                },
                update=dict(eo='student', eo_config='student_config')),
            sar_step=dict(
                type='Train',
                config=_cls + 'kd2-sar-step_resnet34_eo-to-sar_mavoc2021.py',
                extract_student=True,
                inputs={
                    'model.teacher_ckpt': 'kd2.eo',
                    'model.architecture.init_cfg.checkpoint': 'kd2.sar'
                },
                per_iteration={
                    'optim_wrapper.optimizer.lr': [0.01 * 0.5**i for i in range(_iterations)]
                },
                update=dict(sar='student')))),
    baseline_eval=dict(
        type='Evaluate',
        inputs=dict(config='eo.config', checkpoint='eo.best'),
        val_evaluator=_val,
        test_evaluator=_test),
    kd1_eval=dict(
        type='Evaluate',
        inputs=dict(config='kd1.config', checkpoint='kd1.best'),
        val_evaluator=_val,
        test_evaluator=_test),
    kd1_pp_eval=dict(
        type='Evaluate',
        inputs=dict(config='kd1.config', checkpoint='kd1.best'),
        val_evaluator=dict(_val, balancing=_balancing),
        test_evaluator=dict(_test, balancing=_balancing)),
    kd2_eval=dict(
        type='Evaluate',
        inputs=dict(config='kd2.eo_config', checkpoint='kd2.eo'),
        val_evaluator=_val,
        test_evaluator=_test))
report = dict(
    title='NTIRE 2021 MAVOC, top-1 of the final EO model (%)',
    rows=dict(
        baseline_eval='baseline (EO pre-train)',
        kd1_eval='kd1 (SAR teacher -> EO student)',
        kd1_pp_eval='kd1-pp (+ confidence balancing)',
        kd2_eval='kd2 (iterative EO and SAR steps)'),
    columns=[
        dict(label='val', split='val', metric='accuracy/top1'),
        dict(label='test', split='test', metric='accuracy/top1'),
    ],
    time=False)
