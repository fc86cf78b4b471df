"""The demo generators register themselves under the names recipes give ``DemoData``."""
from cmkd_mm.demo import (DEMO_DATASETS, make_llvip_demo, make_mavoc2021_demo, make_mavoc2024_demo,
                          make_mfnet_demo, make_pst900_demo, make_rgbd_demo, make_ships_demo,
                          make_xview2_demo, mavoc_demo, prepare_stf_demo)


def test_every_demo_is_registered_under_its_recipe_name():
    DEMO_DATASETS.import_from_location()
    assert DEMO_DATASETS.module_dict == dict(
        stf=prepare_stf_demo,  # with its COCO json
        mfnet=make_mfnet_demo,
        pst900=make_pst900_demo,
        mavoc2021=make_mavoc2021_demo,
        mavoc2024=make_mavoc2024_demo,
        xview2=make_xview2_demo,
        llvip=make_llvip_demo,
        rgbd=make_rgbd_demo,
        ships=make_ships_demo)


def test_the_mavoc_demos_choose_their_layout(monkeypatch):
    calls = []

    def make_mavoc_demo(root, **kwargs):
        calls.append((root, kwargs))
        return root

    monkeypatch.setattr(mavoc_demo, 'make_mavoc_demo', make_mavoc_demo)
    assert make_mavoc2021_demo('a', splits=dict(train=1), seed=3) == 'a'
    assert make_mavoc2024_demo('b') == 'b'
    assert calls == [('a', dict(layout='2021', splits=dict(train=1), seed=3)),
                     ('b', dict(layout='2024'))]
