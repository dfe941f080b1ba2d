# audiomi — the two commands are `make demo` and `make test`; everything else is a step they use.
SHELL   := /bin/bash
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.audiomi-installed
PYTEST_ARGS ?=

.PHONY: help install demo test check-sync export clean-nbs readme bench bench-rvq bench-dmi bench-emaae bench-mae emaae-sweep mae-demo ema-data rvq-demo clean

help:
	@echo "make demo   - install (into $(VENV)) and run the main job on data_subset/"
	@echo "make test   - install and run every test (notebooks, integration, papermill templates)"
	@echo "make rvq-demo - the RVQ codec on data_subset/ log-mels: features, both training stages, encode/decode at 100 BPF"
	@echo "make emaae-sweep - the EMA autoencoder alpha sweep on data_subset/ema (papermill, CPU)"
	@echo "make mae-demo - the audio MAE chain on data_subset/: data, autoencoder, recon report, classifier with/without filtering (papermill)"
	@echo "make export / clean-nbs / readme / check-sync / bench / bench-rvq / bench-dmi / bench-emaae / bench-mae / ema-data"

# (re)install when the packaging files change; pip's cache makes repeated installs quick
$(STAMP): setup.py settings.ini pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/audiomi demo --config configs/demo.yaml

# the RVQ codec end to end on data_subset/ (CPU, about 20 min; configs/rvq_logmel.yaml)
RVQ := results/rvq_logmel
rvq-demo: $(STAMP)
	$(BIN)/audiomi features filelists --root data_subset --metadata data_subset/metadata.csv --out_dir $(RVQ)/filelists
	for s in train val test; do \
	  $(BIN)/audiomi features extract --extractor logmel --flist $(RVQ)/filelists/filelist.$$s --root data_subset \
	    --output_dir $(RVQ)/features/$$s --set n_mels=128 hop_length=320 --no-progress || exit 1; done
	$(BIN)/audiomi rvq train -c configs/rvq_logmel.yaml --out_dir $(RVQ)
	$(BIN)/audiomi rvq train-entropy -c configs/rvq_logmel.yaml --out_dir $(RVQ)
	$(BIN)/audiomi rvq encode --codec_dir $(RVQ) --input $(RVQ)/features/test --output_dir $(RVQ)/encoded_100bpf --target_bpf 100
	$(BIN)/audiomi rvq decode --codec_dir $(RVQ) --input $(RVQ)/encoded_100bpf --output_dir $(RVQ)/decoded_100bpf

test: $(STAMP) check-sync
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# notebooks clean, package exported from them, README rendered from index.ipynb: all must leave no change
check-sync: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" bash tools/check_sync.sh

export: $(STAMP)
	$(BIN)/nbdev_export

clean-nbs: $(STAMP)
	$(BIN)/nbdev_clean && $(BIN)/nbdev_clean --fname runs

readme: $(STAMP)
	$(BIN)/python tools/nb2readme.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_features.py
	$(BIN)/python benchmarks/bench_mi.py

bench-rvq: $(STAMP)
	$(BIN)/python benchmarks/bench_rvq.py

bench-dmi: $(STAMP)
	$(BIN)/python benchmarks/bench_dmi.py

bench-emaae: $(STAMP)
	$(BIN)/python benchmarks/bench_emaae.py

bench-mae: $(STAMP)
	$(BIN)/python benchmarks/bench_mae.py

# the audio MAE chain on data_subset/ (runs/audio_mae.ipynb, CPU-sized configs/mae_subset.yaml); resumable
mae-demo: $(STAMP)
	mkdir -p results/audio_mae
	$(BIN)/papermill runs/audio_mae.ipynb results/audio_mae/audio_mae.ipynb -k python3

# the papermill alpha sweep of the EMA autoencoder (runs/emaae.ipynb) on the synthetic set; resumable
emaae-sweep: $(STAMP)
	mkdir -p results/emaae_sweep
	$(BIN)/papermill runs/emaae.ipynb results/emaae_sweep/emaae.ipynb -k python3 -p out_dir results/emaae_sweep

# regenerate data_subset/ema with the VocalTractLab articulatory synthesizer (vocaltractlab-cython, a dev requirement)
ema-data: $(STAMP)
	$(BIN)/python tools/make_ema_subset.py

clean:
	rm -rf results .pytest_cache
