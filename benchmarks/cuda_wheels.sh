#!/usr/bin/env bash
# Download into .whl/ the wheels the GPU machine lacks (Python 3.12, manylinux
# x86_64; that machine has no internet, so they travel in `carry`). See
# benchmarks/CUDA.md for the run that installs them there.
#
# Usage: bash benchmarks/cuda_wheels.sh [python-with-pip]
#
# The list is the dependency closure of our stack (requirements.txt) minus
# what the device image already holds (/work/.library/device/KINDS.md:
# torch, numpy, scipy, scikit-learn, matplotlib, opencv-python-headless,
# pyyaml, rich, packaging, pillow, einops, zipp, pytest, ...):
#   mmengine   -> addict, termcolor, yapf -> platformdirs
#   mmcv-lite  -> (same as mmengine)
#   mmaction2  -> decord
#   our compat code imports importlib_metadata: 8.7.0, since 10.x needs
#     lazy-importer on Python 3.12 (notes of earlier GPU attempts)
#   setuptools<81: mmengine's `mmaction::` config paths need pkg_resources,
#     and the image's setuptools version is not recorded
# opencv-contrib-python (mmaction2) and opencv-python (mmengine) are left
# out: the image's opencv-python-headless provides the same `cv2` module.
set -eu
PY=${1:-python3}
cd "$(dirname "$0")/.."
WHEELS=(
    mmengine==0.10.7
    mmcv-lite==2.1.0
    mmaction2==1.2.0
    importlib_metadata==8.7.0
    decord==0.6.0
    addict==2.4.0
    termcolor==3.3.0
    yapf==0.43.0
    platformdirs==4.14.8
    setuptools==80.10.2
)
rm -rf .whl && mkdir -p .whl
# decord's only Linux wheel is manylinux2010; pip matches each tag exactly
PLATFORMS=(manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64
           manylinux2014_x86_64 manylinux2010_x86_64 manylinux1_x86_64)
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp ${PLATFORMS[@]/#/--platform } -d .whl "${WHEELS[@]}"
grep -qxE '/?\.whl/' .gitignore || echo '/.whl/' >> .gitignore
ls -l .whl
echo "total: $(du -sh .whl | cut -f1) in $(ls .whl | wc -l) wheels" \
     "(the carried tree may hold 64 MiB in all)"
