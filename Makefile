# The two quick-start commands:  make demo   and   make test
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test install lint clean sample generate docs

$(BIN)/indicators: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

install: $(BIN)/indicators

## Install everything, then run the nightly pipeline on the bundled sample exports.
demo: install
	@# exit 2 means "published with warnings": the sample holds deliberately bad rows and files
	$(BIN)/indicators nightly --demo || [ $$? -eq 2 ]
	@echo "demo: query it with  $(BIN)/indicators sql \"select * from marts.midterm_followup\""

## Run the whole test suite (what CI runs): the linters first, then pytest.
test: lint
	$(BIN)/python -m pytest -n 2 -q

## Write models/staging/_staging__sources.yml and expectations/raw_*.json from the source contract
## (pipelines/*.yml, plus expectations/thresholds.yml and pipelines/warehouse_tables.yml).
generate: install
	$(BIN)/indicators generate

## The linters: ruff (Python), sqlfluff (the dbt SQL, .sqlfluff), dbt-bouncer (the dbt
## conventions, dbt-bouncer.yml, on the manifest that dbt parse writes to target/).
lint: install
	$(BIN)/indicators check-config
	$(BIN)/ruff check src tests lint
	$(BIN)/ruff format --check src tests lint
	$(BIN)/sqlfluff lint --processes 0 models macros tests/dbt
	$(BIN)/dbt parse --profiles-dir . --project-dir . --target-path target --log-path target/logs --quiet
	$(BIN)/dbt-bouncer run --config-file dbt-bouncer.yml

## The dbt docs as one self-contained HTML file, target/static_index.html (open it in a browser). The
## column types come from a copy of the demo warehouse (make demo), when there is one.
docs: install
	@mkdir -p target
	@rm -f target/docs.duckdb target/docs.duckdb.wal
	@if [ -f var/warehouse.duckdb ]; then cp var/warehouse.duckdb target/docs.duckdb; fi
	INDICATORS_DBT_DATABASE=target/docs.duckdb $(BIN)/dbt docs generate --static --profiles-dir . --project-dir . \
		--target-path target --log-path target/logs --quiet
	@rm -f target/docs.duckdb target/docs.duckdb.wal
	@echo "docs: open target/static_index.html in a browser (one file, no server needed)"

sample: install
	$(BIN)/indicators sample --out samples/inbox --scale 1 --seed 2019

clean:
	rm -rf var target logs
