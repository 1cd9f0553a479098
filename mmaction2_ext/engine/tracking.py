"""Experiment tracking: ``tools/train.py --vis-backend tensorboard mlflow
wandb`` adds mmengine's visualizer backends beside the config's own (the
local ``scalars.json`` that ``plot_curves.py`` reads stays).

Each backend writes under the run's ``<work_dir>/<timestamp>/vis_data/``:
TensorBoard event files, an MLflow file store (a ``MLFLOW_TRACKING_URI`` in
the environment wins), a W&B run in offline mode (``WANDB_MODE`` wins;
``wandb sync`` uploads it later). The packages are the
pinned optional extra ``requirements-tracking.txt`` (``make
tracking-install``).
"""
import importlib.util
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.visualization import WandbVisBackend

from mmaction.registry import VISBACKENDS

#: --vis-backend name -> (module it needs, pip package of the extra)
BACKENDS = {
    'tensorboard': ('tensorboard', 'tensorboard'),
    'mlflow': ('mlflow', 'mlflow-skinny'),
    'wandb': ('wandb', 'wandb'),
}
#: the W&B history key holding mmengine's step (iteration for training
#: scalars, epoch for validation metrics, as TensorBoard and MLflow get it)
WANDB_STEP = 'step'


@VISBACKENDS.register_module()
class WandbStepVisBackend(WandbVisBackend):
    """mmengine's W&B backend, logging each scalar at mmengine's ``step``.

    Stock ``WandbVisBackend`` drops ``step`` (W&B counts its own calls), so
    a validation metric lands wherever the call count happens to be. Here
    every scalar is logged with ``step`` as its x axis
    (``define_metric('*', step_metric='step')``).
    """

    def _init_env(self):
        super()._init_env()
        self._wandb.define_metric(WANDB_STEP)
        self._wandb.define_metric('*', step_metric=WANDB_STEP)

    def add_scalars(self, scalar_dict: dict, step: int = 0,
                    file_path: Optional[str] = None, **kwargs) -> None:
        super().add_scalars({**scalar_dict, WANDB_STEP: step}, step,
                            file_path, **kwargs)

    def add_scalar(self, name: str, value, step: int = 0, **kwargs) -> None:
        self.add_scalars({name: value}, step)


def backend_cfg(name: str, run_name: str) -> dict:
    """The visualizer backend config of a ``--vis-backend`` name."""
    if name == 'tensorboard':
        return dict(type='TensorboardVisBackend')
    if name == 'mlflow':
        uri = os.environ.get('MLFLOW_TRACKING_URI')
        if uri is None:
            # mmengine's default store is a folder in the run's vis_data;
            # MLflow 3 keeps it working only when asked (database stores
            # need SQLAlchemy, which mlflow-skinny leaves out)
            os.environ.setdefault('MLFLOW_ALLOW_FILE_STORE', 'true')
        return dict(type='MLflowVisBackend', exp_name=run_name,
                    tracking_uri=uri)
    init = dict(project='mmaction2_ext', name=run_name,
                mode=os.environ.get('WANDB_MODE', 'offline'))
    return dict(type='WandbStepVisBackend', init_kwargs=init)


def add_vis_backends(cfg: Config, names: Sequence[str], config: str) -> None:
    """Add the backends ``names`` to ``cfg.visualizer`` (one error for an
    unknown name or a missing package, before any work)."""
    from ..apis.launch import UsageError  # apis imports engine: not at top
    if not names:
        return
    for name in names:
        if name not in BACKENDS:
            raise UsageError(f'--vis-backend {name}: expected one of '
                                f'{", ".join(BACKENDS)}')
        module, package = BACKENDS[name]
        if importlib.util.find_spec(module) is None:
            raise UsageError(
                f'--vis-backend {name} needs the {package} package: '
                'make tracking-install (pinned in requirements-tracking.txt)')
    if cfg.get('visualizer') is None:
        raise UsageError(f'{config}: --vis-backend needs a visualizer, '
                            'e.g. visualizer=dict(type="ActionVisualizer")')
    run_name = osp.splitext(osp.basename(config))[0]
    backends = list(cfg.visualizer.get('vis_backends') or [])
    backends += [backend_cfg(name, run_name) for name in dict.fromkeys(names)]
    cfg.visualizer.vis_backends = backends
