# The README's commands. Every target sets the machine up first if needed.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tfxlearn-setup
PYTEST_ARGS ?=
# Test processes (pytest-xdist): a test mostly keeps one core busy, so 2 processes
# on a 2-core machine finish sooner (docs/dependencies.md, "Tests"). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: setup demo test bench peers bench-peers docs lint format clean

setup: $(STAMP)

$(STAMP): scripts/setup.sh requirements.txt setup.cfg
	VENV=$(VENV) bash scripts/setup.sh
	@touch $(STAMP)

# Rotation pretraining on Fashion-MNIST, evaluation against both baselines, export.
demo: setup
	$(PY) -m tfxlearn.cli run rotation_fashion_mnist

test: setup
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Every file the README reads, from a clean commit (a benchmark refuses a dirty
# tree unless given --allow-dirty): first the settings chosen on the validation
# carve (selection.py), then pretext-op and training speed (and where a
# pipeline epoch's time goes: epoch_share.py, ~12 min), the image
# self-supervision table (every method over 3 seeds, about an hour per seed on 2
# cores), the low-shot settings, the layer-wise probe, colorization, the
# unsupervised / semi-supervised table (the SGAN over 3 seeds), the DCGAN
# distance curves and step overhead, the video and audio-visual table (Shuffle &
# Learn and L3-Net, at their targets' edges, over 3 seeds), the tf.data service
# throughput and the kill -9 fault soak, then the newer families (adversarial
# training ~2 h, DANN + ADDA + SimGAN ~1.3 h, blind representations ~7 min,
# CyCADA ~75 min, Siamese ~1.5 h, feature visualization ~10 min, transfer ~3 h,
# style transfer ~75 min, CycleGAN ~3.5 h, pix2pix ~4 h, attention-guided
# CycleGAN ~2 h, word2vec ~10 min a mode, language model 2-5 h, masked language
# model 3-6 h, dual learning for translation 12-25 h (estimated); each over 3
# seeds); a few days on 2 cores in all. Results go to benchmarks/results and are
# rendered into README.md and docs/*.md;
# `render_readme.py --check` then lists any result file that is dirty or stale.
# Not part of CI.
bench: setup
	$(PY) benchmarks/selection.py
	$(PY) benchmarks/op_speed.py
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/epoch_share.py
	$(PY) benchmarks/precision.py --seeds 0,1,2
	$(PY) benchmarks/quality.py --baselines --seeds 0,1,2
	$(PY) benchmarks/low_shot_protocols.py
	$(PY) benchmarks/layerwise_probe.py --baselines
	$(PY) benchmarks/quality_colorization.py
	$(PY) benchmarks/quality_generative.py
	$(PY) benchmarks/quality_generative.py --seeds 1,2 sgan
	$(PY) benchmarks/gan_fd_curve.py
	$(PY) benchmarks/gan_fd_curve.py --generator_ema=0.999
	$(PY) benchmarks/step_overhead.py
	$(PY) benchmarks/quality_video.py
	$(PY) benchmarks/quality_video.py --seeds 1,2 shuffle_and_learn_moving_digits l3_net_spoken_digits_av
	$(PY) benchmarks/data_service_throughput.py
	$(PY) benchmarks/fault_soak.py
	$(PY) benchmarks/quality_adversarial.py --seeds 0,1,2
	$(PY) benchmarks/quality_adaptation.py --seeds 0,1,2
	$(PY) benchmarks/quality_blind.py --seeds 0,1,2
	$(PY) benchmarks/quality_cycada.py --seeds 0,1,2
	$(PY) benchmarks/quality_siamese.py --seeds 0,1,2
	$(PY) benchmarks/feature_visualization.py --seeds 0,1,2
	$(PY) benchmarks/quality_transfer.py --seeds 0,1,2
	$(PY) benchmarks/quality_style.py
	$(PY) benchmarks/quality_translation.py --seeds 0,1,2
	$(PY) benchmarks/quality_pix2pix.py --seeds 0,1,2
	$(PY) benchmarks/quality_attention_cycle_gan.py --seeds 0,1,2
	$(PY) benchmarks/quality_word2vec.py --seeds 0,1,2
	$(PY) benchmarks/quality_word2vec.py --mode cbow --seeds 0,1,2
	$(PY) benchmarks/quality_lm.py --seeds 0,1,2
	$(PY) benchmarks/quality_mlm.py --seeds 0,1,2
	$(PY) benchmarks/quality_dual_translation.py --seeds 0,1,2
	$(PY) benchmarks/render_readme.py
	$(PY) benchmarks/render_readme.py --check

# PyTorch peers for the side-by-side speed benchmark (issue 24), in their own
# virtualenv: never part of tfxlearn's dependencies, not needed by CI.
PEERS_VENV ?= .venv-peers
peers: $(PEERS_VENV)/.peers-setup

$(PEERS_VENV)/.peers-setup:
	python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PEERS_VENV)/bin/python -m pip install -q lightly==1.6.0
	@touch $@

bench-peers: setup peers
	$(PY) benchmarks/peers_speed.py
	$(PY) benchmarks/peers_moco.py --seeds 0,1,2
	$(PY) benchmarks/render_readme.py

# The documentation site (mkdocs.yml, pages in docs/) into site/; --strict fails
# on a link to a missing page, heading or figure. CI runs it after the tests.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf runs site .pytest_cache .ruff_cache
