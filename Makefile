# The two commands of the README: `make demo` (main job) and `make test` (tests + lint).
# Both create the pinned virtual environment first if it is missing.
.PHONY: setup demo test lint bench clean

setup:
	@scripts/bootstrap.sh

demo: setup
	@scripts/env.sh python -m ucj.demo $(ARGS)

lint: setup
	@.venv/bin/ruff check dags include tests benchmarks

test: lint
	@scripts/env.sh python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

bench: setup
	@scripts/env.sh python benchmarks/pipeline_bench.py $(ARGS)

clean:
	rm -rf .local
