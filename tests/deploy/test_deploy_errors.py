"""Bad input to export_onnx.py and infer.py --backend onnxruntime: one
``error:`` line each, and nothing half-written."""
import importlib.util
import os
import subprocess
import sys

import pytest

from inference_cases import random_checkpoint, run_infer, write_config

from conftest import CONFIGS, run_export

MISSING = 'make deploy-install'


def one_error_line(proc):
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith('error: '), proc.stderr
    return errors[0]


def test_checkpoint_of_another_model(exported, ort, repo_root, tmp_path,
                                     reliability):
    stgcn, proto = exported('stgcn'), exported('protogcn')
    out = tmp_path / 'model.onnx'
    line = one_error_line(run_export(repo_root, stgcn['config'],
                                     proto['checkpoint'], '--out', str(out)))
    assert f"{proto['checkpoint']} does not fit the model" in line
    assert not out.exists()
    reliability.record('deploy', 'export: checkpoint of another model', line)


def test_unwritable_output_path(exported, ort, repo_root, tmp_path,
                                reliability):
    stgcn = exported('stgcn')
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    out = blocker / 'model.onnx'
    line = one_error_line(run_export(repo_root, stgcn['config'],
                                     stgcn['checkpoint'], '--out', str(out)))
    assert f'cannot write {out}' in line
    reliability.record('deploy', 'export: output path that cannot be '
                       'written', line)


def test_above_tolerance_nothing_written(exported, ort, repo_root, tmp_path,
                                         reliability):
    """A check that fails leaves an existing file as it was."""
    stgcn = exported('stgcn')
    out = tmp_path / 'model.onnx'
    out.write_bytes(b'previous export')
    line = one_error_line(run_export(
        repo_root, stgcn['config'], stgcn['checkpoint'], '--out', str(out),
        '--tolerance', '1e-12'))
    assert f'{out} not written: ONNX Runtime differs from PyTorch' in line
    assert out.read_bytes() == b'previous export'
    assert os.listdir(tmp_path) == ['model.onnx']  # no temporary left
    reliability.record('deploy', 'export: ONNX Runtime differs from PyTorch '
                       'above --tolerance', line)


def test_dynamic_axis_the_model_does_not_allow(exported, ort, repo_root,
                                               tmp_path, reliability):
    pcan = exported('pcan')
    line = one_error_line(run_export(
        repo_root, pcan['config'], pcan['checkpoint'], '--out',
        str(tmp_path / 'm.onnx'), '--dynamic', 'batch', 'frames'))
    assert '--dynamic frames: this model allows batch clips' in line
    reliability.record('deploy', 'export: --dynamic axis the model fixes',
                       line)


@pytest.mark.parametrize('module', ['onnxscript', 'onnxruntime'])
def test_extra_not_installed_export(module, repo_root, tmp_path,
                                    reliability):
    """No [deploy] extra (the core .venv): the make target is named. The
    module is hidden from the tool's process, whichever venv runs it."""
    config = write_config(repo_root, CONFIGS['stgcn'], tmp_path)
    ckpt = random_checkpoint(config, str(tmp_path / 'model.pth'))
    out = tmp_path / 'model.onnx'
    line = one_error_line(run_export(
        repo_root, config, ckpt, '--out', str(out),
        prelude=f'import sys; sys.modules[{module!r}] = None'))
    # the first module of the extra that is missing (core .venv: onnx)
    missing = module if _installed('onnx') else 'onnx'
    assert f'({missing} is not installed): run `{MISSING}`' in line
    assert not out.exists()
    reliability.record('deploy', f'export without the [deploy] extra '
                       f'({module})', line)


def _installed(name):
    return importlib.util.find_spec(name) is not None


def test_extra_not_installed_infer(exported, ort, repo_root, reliability):
    stgcn = exported('stgcn')
    tool = 'tools/infer.py'
    args = [tool, stgcn['config'], stgcn['onnx'], stgcn['data'],
            '--sample', sample_of(stgcn['data']), '--backend', 'onnxruntime']
    proc = subprocess.run(
        [sys.executable, '-c', "import sys; sys.modules['onnxruntime'] = "
         f"None; import runpy; sys.argv = {args!r}; runpy.run_path("
         f"{tool!r}, run_name='__main__')"], cwd=repo_root,
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    line = one_error_line(proc)
    assert f'run `{MISSING}`' in line
    reliability.record('deploy', 'infer --backend onnxruntime without the '
                       '[deploy] extra', line)


def sample_of(data):
    import pickle
    with open(data, 'rb') as f:
        return pickle.load(f)['annotations'][0]['frame_dir']


def test_onnx_file_of_another_config(exported, ort, repo_root, reliability):
    """The ProtoGCN export given with the ST-GCN config."""
    stgcn, proto = exported('stgcn'), exported('protogcn')
    line = one_error_line(run_infer(
        repo_root, stgcn['config'], proto['onnx'], stgcn['data'],
        '--sample', sample_of(stgcn['data']), '--backend', 'onnxruntime'))
    assert f'{proto["onnx"]} does not match the config' in line
    assert "backbone 'ProtoGCN' (config: 'STGCN')" in line
    reliability.record('deploy', 'infer: ONNX file exported from another '
                       'config', line)


def test_onnx_file_of_another_class_count(exported, ort, repo_root,
                                          tmp_path, reliability):
    """Same network, the config's head has another class count."""
    stgcn = exported('stgcn')
    config = write_config(repo_root, stgcn['config'], tmp_path,
                          **{'model.cls_head.num_classes': 7})
    line = one_error_line(run_infer(
        repo_root, config, stgcn['onnx'], stgcn['data'], '--sample',
        sample_of(stgcn['data']), '--backend', 'onnxruntime'))
    assert 'num_classes 4 (config: 7)' in line
    reliability.record('deploy', 'infer: ONNX file of another class count',
                       line)


def test_opset_the_exporter_cannot_give(exported, ort, repo_root, tmp_path,
                                        reliability):
    """torch's exporter falls back to opset 18 when it cannot convert the
    graph (ST-GCN to 7 here): refused, not reported as opset 7."""
    stgcn = exported('stgcn')
    out = tmp_path / 'model.onnx'
    line = one_error_line(run_export(
        repo_root, stgcn['config'], stgcn['checkpoint'], '--out', str(out),
        '--opset', '7'))
    assert f'{out} not written: --opset 7 was asked for' in line
    assert 'as opset 18 (use --opset 18)' in line
    assert not out.exists()
    reliability.record('deploy', 'export: --opset the exporter cannot give',
                       line)


def test_opset_below_one(exported, ort, repo_root, tmp_path, reliability):
    """0 is refused, not taken for "not given" (the default, 18)."""
    stgcn = exported('stgcn')
    out = tmp_path / 'model.onnx'
    line = one_error_line(run_export(
        repo_root, stgcn['config'], stgcn['checkpoint'], '--out', str(out),
        '--opset', '0'))
    assert line == 'error: --opset 0: must be >= 1'
    assert not out.exists()
    reliability.record('deploy', 'export: --opset 0', line)
