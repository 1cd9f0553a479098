"""tools/demo.sh reports the val metrics of the checkpoint it tests (the
best one), not those of the last epoch, and its last step runs
tools/infer.py on a real clip with MediaPipe poses, or says why not."""
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
    # percentages, as eval_test.py prints the test metrics
    assert proc.stdout.splitlines() == ['ma52/action_top1: 81.25',
                                        'ma52/F1_mean: 75.00']
    assert list(tmp_path.iterdir()) == [work]  # sourcing runs nothing


def _infer_step(repo_root, tmp_path, clip, pose_py):
    """``infer_real_clip`` of demo.sh, sourced, with its stdout."""
    return subprocess.run(
        ['bash', '-c', f'source {repo_root}/tools/demo.sh && infer_real_clip '
         f'{pose_py} cfg.py ckpt.pth {clip} {tmp_path}/work'],
        cwd=tmp_path, capture_output=True, text=True, check=True).stdout


def _fake_python(tmp_path):
    """An executable that writes its arguments, one per line, to args.txt."""
    fake = tmp_path / 'python'
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/args.txt\n')
    fake.chmod(0o755)
    return fake


def test_demo_infers_on_the_real_clip_with_mediapipe(tmp_path, repo_root):
    clip = tmp_path / 'A1_shaking_body__0030_01_0002.mp4'
    clip.write_bytes(b'')
    out = _infer_step(repo_root, tmp_path, clip, _fake_python(tmp_path))
    assert 'does not know real' in out
    work = f'{tmp_path}/work/infer_A1_shaking_body__0030_01_0002'
    assert (tmp_path / 'args.txt').read_text().splitlines() == [
        'tools/infer.py', 'cfg.py', 'ckpt.pth', str(clip), '--pose',
        'mediapipe', '--out-json', f'{work}.json', '--vis', f'{work}.mp4']


def test_demo_skips_the_real_clip_step_with_a_reason(tmp_path, repo_root):
    clip = tmp_path / 'clip.mp4'
    fake = _fake_python(tmp_path)
    out = _infer_step(repo_root, tmp_path, clip, fake)
    assert out == f'skipped: no clip {clip} (set DEMO_CLIP=path/to/clip.mp4)\n'
    clip.write_bytes(b'')
    out = _infer_step(repo_root, tmp_path, clip, tmp_path / 'no_python')
    assert out == (f'skipped: no {tmp_path}/no_python with the [pose] extra '
                   '(make pose-install)\n')
    assert not (tmp_path / 'args.txt').exists()  # nothing ran


def _demo(repo_root, cwd, script):
    """Run bash ``script`` after sourcing demo.sh; its stdout and stderr."""
    proc = subprocess.run(['bash', '-c', f'source {repo_root}/tools/demo.sh'
                           f' && {script}'], cwd=cwd, capture_output=True,
                          text=True)
    return proc


def test_demo_trains_seeded_and_deterministic(tmp_path, repo_root):
    """Unseeded, every demo run printed other figures (F1_mean 93.30, then
    89.47): the demo's training fixes the seed and runs deterministically."""
    fake = _fake_python(tmp_path)
    proc = _demo(repo_root, tmp_path,
                 f'train_demo {fake} cfg.py {tmp_path}/work')
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / 'args.txt').read_text().splitlines() == [
        'tools/train.py', 'cfg.py', '--work-dir', f'{tmp_path}/work',
        '--seed', '0', '--deterministic']
    assert (tmp_path / 'work' / 'train.log').exists()


def test_demo_keeps_the_previous_run(tmp_path, repo_root):
    work = tmp_path / 'demo'
    (work / 'old').mkdir(parents=True)
    (tmp_path / 'demo.previous').mkdir()  # an older run: replaced
    proc = _demo(repo_root, tmp_path, f'keep_previous_run {work}')
    assert proc.stdout == f'the previous demo run is kept in {work}.previous\n'
    assert not work.exists()
    assert (tmp_path / 'demo.previous' / 'old').is_dir()
    proc = _demo(repo_root, tmp_path, f'keep_previous_run {work}')
    assert proc.stdout == '' and (tmp_path / 'demo.previous' / 'old').is_dir()


def test_demo_shows_a_summary_and_logs_everything(tmp_path, repo_root):
    """The terminal gets each epoch's loss and the val metrics in percent;
    the log file gets every line (config dump included)."""
    lines = ['config dump: a = 1',
             'x - mmengine - INFO - Epoch(train)  [1][ 3/24]  loss: 9.0',
             'x - mmengine - INFO - Epoch(train)  [1][24/24]  lr: 0.1  '
             'loss: 29.6013  rgb_top1_acc: 0.5000',
             'x - mmengine - INFO - Epoch(val) [1][8/8]    ma52/action_top1: '
             '0.9375  ma52/action_top5: 1.0000  ma52/F1_mean: 0.9330',
             'error: something named']
    out = tmp_path / 'out.txt'
    out.write_text('\n'.join(lines) + '\n')
    log = tmp_path / 'w' / 'step.log'
    proc = _demo(repo_root, tmp_path, f'run_logged {log} cat {out}')
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        '  epoch 1: train loss 29.6013',
        '  epoch 1 val (val pipeline): action_top1 93.75 F1_mean 93.30',
        'error: something named']
    assert log.read_text() == out.read_text()
    proc = _demo(repo_root, tmp_path, f'run_logged {log} false')
    assert proc.returncode == 1
    assert f'error: false failed (exit 1); whole output: {log}' in proc.stderr
