"""Every phase shows progress (issue 13): the logger interval is capped at a
tenth of the loader length, whatever the config's interval."""
import re

from mmaction2_ext.engine.hooks.progress import progress_interval


def test_interval_scales_with_the_loader():
    assert progress_interval(200, 150) == 15
    assert progress_interval(200, 5) == 1
    assert progress_interval(20, 1000) == 20  # a smaller interval is kept
    assert progress_interval(200, 25) == 3  # rounded up: at most 10 lines
    assert progress_interval(3, 30) == 3  # exactly a tenth
    assert progress_interval(200, 0) == 1  # an empty loader


def test_test_run_logs_progress_despite_a_large_interval(
        tmp_path, skeleton_pickle, untrained_checkpoint, run_test_tool):
    log = run_test_tool(tmp_path, untrained_checkpoint,
                        f'test_dataloader.dataset.ann_file={skeleton_pickle}',
                        'test_dataloader.batch_size=1',
                        'default_hooks.logger.interval=200')
    steps = re.findall(r'Epoch\(test\) \[ *(\d+)/12\]', log)
    assert steps[:3] == ['2', '4', '6'], log[-3000:]
