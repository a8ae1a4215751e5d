# The README's commands. Every target sets the machine up first if needed.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tfxlearn-setup
PYTEST_ARGS ?=
# Test processes (pytest-xdist): a test mostly keeps one core busy, so 2 processes
# on a 2-core machine finish sooner (README "Tests"). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: setup demo test bench lint format clean

setup: $(STAMP)

$(STAMP): scripts/setup.sh requirements.txt setup.cfg
	VENV=$(VENV) bash scripts/setup.sh
	@touch $(STAMP)

# Rotation pretraining on Fashion-MNIST, evaluation against both baselines, export.
demo: setup
	$(PY) -m tfxlearn.cli run rotation_fashion_mnist

test: setup
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Pretext-op and training speed, the image self-supervision quality table (every
# method at its full budget, about an hour on 2 cores), the low-shot settings
# (about 35 minutes), the layer-wise probe (111 minutes on cores shared with other runs), colorization, the
# unsupervised / semi-supervised table, the DCGAN distance curve and step overhead, the video and
# audio-visual table, the tf.data service throughput and the kill -9 fault soak;
# several hours on 2 cores in all. Results go to benchmarks/results and are
# rendered into README.md. Not part of CI.
bench: setup
	$(PY) benchmarks/op_speed.py
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/quality.py
	$(PY) benchmarks/low_shot_protocols.py
	$(PY) benchmarks/layerwise_probe.py
	$(PY) benchmarks/quality_colorization.py
	$(PY) benchmarks/quality_generative.py
	$(PY) benchmarks/gan_fd_curve.py
	$(PY) benchmarks/gan_fd_curve.py --generator_ema=0.999
	$(PY) benchmarks/step_overhead.py
	$(PY) benchmarks/quality_video.py
	$(PY) benchmarks/data_service_throughput.py
	$(PY) benchmarks/fault_soak.py
	$(PY) benchmarks/render_readme.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf runs .pytest_cache .ruff_cache
