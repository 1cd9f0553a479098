"""tools/demo.sh reports the val metrics of the checkpoint it tests (the
best one), not those of the last epoch."""
import subprocess


def _val_line(epoch, f1, top1):
    """An epoch-end val line as mmengine's LogProcessor writes it."""
    return (f'2026/01/01 00:00:0{epoch % 10} - mmengine - INFO - '
            f'Epoch(val) [{epoch}][8/8]    ma52/action_top1: {top1:.4f}  '
            f'ma52/F1_mean: {f1:.4f}  ma52/F1_micro: 0.5000  '
            f'data_time: 0.0100  time: 0.2000\n')


def test_demo_prints_the_tested_checkpoints_metrics(tmp_path, repo_root):
    work = tmp_path / 'work'
    (work / '20260101_000000').mkdir(parents=True)
    (work / '20260101_000000' / '20260101_000000.log').write_text(
        'Epoch(val)  [5][4/8]    eta: 0:00:01\n' + _val_line(5, 0.75, 0.8125)
        + _val_line(10, 0.5, 0.625))
    ckpt = work / 'best_ma52_F1_mean_epoch_5.pth'
    proc = subprocess.run(
        ['bash', '-c', f'source {repo_root}/tools/demo.sh && '
         f'val_metrics {work} "$(checkpoint_epoch {ckpt})"'],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ['ma52/action_top1: 0.8125',
                                        'ma52/F1_mean: 0.7500']
    assert list(tmp_path.iterdir()) == [work]  # sourcing runs nothing
