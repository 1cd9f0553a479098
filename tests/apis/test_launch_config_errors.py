"""A keyword a registered class rejects when a config builds it names the
config item and the class (``apis.launch.config_errors``), read from the
error and the traceback's function names, not from mmengine's locals."""
import pytest

from mmaction.registry import MODELS
from mmaction2_ext.apis import ConfigError
from mmaction2_ext.apis.launch import config_errors

HEAD = dict(type='I3DHead', num_classes=3, in_channels=8)


def test_nested_rejected_keyword_names_the_option_and_the_class():
    model = dict(type='Recognizer3D', backbone=dict(type='X3D'),
                 cls_head=dict(HEAD, dropout=0.5))
    with pytest.raises(ConfigError) as err:
        with config_errors('cfg.py', {'model.cls_head.dropout': 0.5}):
            MODELS.build(model)
    message = str(err.value)
    assert message.startswith("--cfg-options model.cls_head.dropout: I3DHead "
                              "does not accept 'dropout'; it accepts ")
    assert 'dropout_ratio' in message.split('it accepts')[1]


def test_other_type_errors_pass_through():
    with pytest.raises(TypeError, match='not a ConfigError'):
        with config_errors('cfg.py', None):
            raise TypeError('X.__init__() got an unexpected keyword argument '
                            "'y' (not a ConfigError: not raised by mmengine)")
