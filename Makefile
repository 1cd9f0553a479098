# Two commands do all set-up on a fresh machine:
#   make demo   # venvs + install, synthetic data, train/test the demo,
#               # metrics, then inference on a real MA-52 clip
#   make test   # venvs + install, the test suite, then the raw-video chain
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The [pose] extra (MediaPipe) lives in its own venv, so the core stack stays
# as it is: its own packages (requirements-pose.txt) come first,
# then, through a .pth file, everything of $(VENV) (numpy, torch, the
# editable mmaction2_ext). Same Python as $(VENV): it is made by $(PY).
POSE_VENV ?= .venv-pose
POSE_PY := $(POSE_VENV)/bin/python
# The [deploy] extra (onnx, onnxscript, onnxruntime) likewise: .venv-deploy,
# requirements-deploy.txt first, then .venv (docs/deploy.md says why).
DEPLOY_VENV ?= .venv-deploy
DEPLOY_PY := $(DEPLOY_VENV)/bin/python
SITE_PACKAGES := import sysconfig; print(sysconfig.get_paths()["purelib"])
# a layered venv (python $(1)) sees $(VENV)'s packages after its own
define see_core_venv
$(PY) -c '$(SITE_PACKAGES)' | sed 's/.*/import site; site.addsitedir("&")/' \
    > "$$($(1) -c '$(SITE_PACKAGES)')/mmaction2_ext_core_venv.pth"
endef
# test processes (pytest-xdist; one file per worker at a time), each with one
# torch/OpenMP thread: two workers on two cores, no oversubscription
TEST_WORKERS ?= 2

.PHONY: install pose-install deploy-install tracking-install test demo

$(VENV)/.installed: requirements.txt requirements-tests.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt -r requirements-tests.txt
	# mmaction2 pulls opencv-contrib-python, mmengine and mmcv opencv-python:
	# all of them write cv2/ and the last one wins, a GUI build that needs
	# the system's libGL. Put the pinned headless build back on top.
	$(PY) -m pip install -q --force-reinstall --no-deps \
	    $$(grep '^opencv-python-headless==' requirements.txt)
	$(PY) -c 'import cv2; assert "GUI:                           NONE" in cv2.getBuildInformation(), "cv2 is not the headless build"'
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

$(POSE_VENV)/.installed: $(VENV)/.installed requirements-pose.txt
	test -x $(POSE_PY) || $(PY) -m venv $(POSE_VENV)
	$(POSE_PY) -m pip install -q --no-deps -r requirements-pose.txt
	$(call see_core_venv,$(POSE_PY))
	$(POSE_PY) -c 'import cv2, mediapipe, mmaction2_ext; assert "$(POSE_VENV)" in cv2.__file__'
	touch $@

pose-install: $(POSE_VENV)/.installed

$(DEPLOY_VENV)/.installed: $(VENV)/.installed requirements-deploy.txt
	test -x $(DEPLOY_PY) || $(PY) -m venv $(DEPLOY_VENV)
	$(DEPLOY_PY) -m pip install -q --no-deps -r requirements-deploy.txt
	$(call see_core_venv,$(DEPLOY_PY))
	$(DEPLOY_PY) -c 'import onnx, onnxscript, onnxruntime, mmaction2_ext; assert "$(DEPLOY_VENV)" in onnx.__file__'
	touch $@

deploy-install: $(DEPLOY_VENV)/.installed

# the tracking extra (tools/train.py --vis-backend): only adds packages to
# $(VENV), changes none of its versions (see requirements-tracking.txt)
$(VENV)/.tracking-installed: $(VENV)/.installed requirements-tracking.txt
	$(PY) -m pip install -q -r requirements-tracking.txt
	$(PY) -c 'import tensorboard, mlflow, wandb'
	touch $@

tracking-install: $(VENV)/.tracking-installed

# the suite, then (where a skip fails) the tracking extra's tests, the pose
# extra's in .venv-pose and the deploy extra's in .venv-deploy
test: install pose-install deploy-install tracking-install
	OMP_NUM_THREADS=1 $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile tests \
	    --ignore tests/tools/test_tracking.py
	MMACTION2_EXT_NO_SKIP=1 OMP_NUM_THREADS=1 $(PY) -m pytest -q tests/tools/test_tracking.py
	MMACTION2_EXT_NO_SKIP=1 OMP_NUM_THREADS=1 $(POSE_PY) -m pytest -q tests/apis/test_pose_extract.py \
	    tests/tools/test_build_dataset.py tests/tools/test_own_data_training.py
	MMACTION2_EXT_NO_SKIP=1 OMP_NUM_THREADS=1 $(DEPLOY_PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile tests/deploy

demo: install pose-install
	bash tools/demo.sh $(PY) $(POSE_PY)
