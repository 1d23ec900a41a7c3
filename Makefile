# The two commands a new user needs: `make serve` and `make test`. Both create .venv when it is
# missing and (re)install when pyproject.toml changes, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 5000
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Everyday: `make test-fast` (under a minute); before pushing: `make test` (everything).
.PHONY: install serve test test-fast lint bench clean browser yasgui vendor-js bench-serve compat

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/comgraph serve --demo --host $(HOST) --port $(PORT)

# The browser test drives Debian's Chromium through ChromeDriver. Installed once, as root (CI),
# quickly skipped when already there; elsewhere the test says what to install.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null)); \
	  else echo "make: no chromium/chromedriver; run: sudo apt-get install chromium chromium-driver"; fi; \
	fi

# ruff first: it takes a second, and CI runs only `make test`, so lint must fail the build too.
# pytest-xdist gives each core a worker and each test file to one worker (--dist loadfile): a
# module's fixtures, servers and ports stay in one process, as they do in a serial run.
XDIST ?= -n auto --dist loadfile
test: install browser
	$(BIN)/ruff check src app tests benchmarks scripts compat
	$(BIN)/python -m pytest $(XDIST)

# The kinds of test that take seconds each are left out (markers: pyproject.toml, tests/conftest.py).
test-fast: install
	$(BIN)/python -m pytest $(XDIST) -q -m "not slow and not serve and not browser and not reasoner"

lint: install
	$(BIN)/ruff check src app tests benchmarks scripts compat

# Every benchmark row in one run (benchmarks/bench.py; benchmarks/README.md says what each row
# is): one Markdown table, benchmarks/results/latest.md and latest.json. The full run (1M and 3M
# triples) takes up to 45 minutes on 2 cores; `make bench QUICK=1` runs it all at 10k-100k.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || \
	  echo "make: the serve rows need wrk: apt-get install wrk"
	$(BIN)/python -m benchmarks.bench $(if $(QUICK),--quick)

# YASGUI's browser build is committed in app/static/vendor/yasgui (so a fresh clone needs no
# npm and no CDN); this refreshes it from the npm registry.
YASGUI_VERSION ?= 4.6.2
yasgui:
	rm -rf build/yasgui && mkdir -p build/yasgui
	cd build/yasgui && npm install --no-save --ignore-scripts @zazuko/yasgui@$(YASGUI_VERSION)
	cp build/yasgui/node_modules/@zazuko/yasgui/build/yasgui.min.js \
	   build/yasgui/node_modules/@zazuko/yasgui/build/yasgui.min.css app/static/vendor/yasgui/

# The network picture's and the scorecard's libraries, committed like YASGUI (no npm, no CDN for
# a fresh clone); this refreshes them from the npm registry. elkjs lays the network out and
# routes its edges, Cytoscape.js draws it; Vega-Lite (through vega-embed) draws the charts.
# vega-interpreter, which lets Vega run without eval under the app's Content-Security-Policy,
# ships only as an ES module: esbuild wraps it as one browser script setting window.vegaInterpreter.
CYTOSCAPE_VERSION ?= 3.35.0
ELKJS_VERSION ?= 0.12.1
VEGA_VERSION ?= 6.4.0
VEGA_LITE_VERSION ?= 6.5.0
VEGA_EMBED_VERSION ?= 7.3.0
VEGA_INTERPRETER_VERSION ?= 2.3.2
ESBUILD_VERSION ?= 0.28.2
vendor-js:
	rm -rf build/vendor-js && mkdir -p build/vendor-js
	cd build/vendor-js && npm install --no-save --no-audit --no-fund \
	  cytoscape@$(CYTOSCAPE_VERSION) elkjs@$(ELKJS_VERSION) vega@$(VEGA_VERSION) \
	  vega-lite@$(VEGA_LITE_VERSION) vega-embed@$(VEGA_EMBED_VERSION) \
	  vega-interpreter@$(VEGA_INTERPRETER_VERSION) esbuild@$(ESBUILD_VERSION)
	cd build/vendor-js && echo 'export {expressionInterpreter} from "vega-interpreter";' > interpreter.mjs && \
	  npx esbuild interpreter.mjs --bundle --minify --format=iife --global-name=vegaInterpreter \
	    --outfile=vega-interpreter.min.js
	mkdir -p app/static/vendor/cytoscape app/static/vendor/vega
	cp build/vendor-js/node_modules/cytoscape/dist/cytoscape.min.js \
	   build/vendor-js/node_modules/elkjs/lib/elk.bundled.js app/static/vendor/cytoscape/
	cp build/vendor-js/node_modules/vega/build/vega.min.js \
	   build/vendor-js/node_modules/vega-lite/build/vega-lite.min.js \
	   build/vendor-js/node_modules/vega-embed/build/vega-embed.min.js \
	   build/vendor-js/vega-interpreter.min.js app/static/vendor/vega/
	cp build/vendor-js/node_modules/cytoscape/LICENSE app/static/vendor/cytoscape/LICENSE.cytoscape
	cp build/vendor-js/node_modules/elkjs/LICENSE.md app/static/vendor/cytoscape/LICENSE.elkjs
	for p in vega vega-lite vega-embed vega-interpreter; do \
	  cp build/vendor-js/node_modules/$$p/LICENSE app/static/vendor/vega/LICENSE.$$p; done

# The compatibility suite (compat/README.md): every view, validation in place, dumps, the pages
# and the W3C Protocol and Graph Store suites through `comgraph serve`, on each engine it finds
# (the Oxigraph server always; Virtuoso when installed, installed here when root with apt), each
# compared with the embedded store. Prints the matrix, writes compat/results.md, exits 1 when any
# check fails. `make compat ENGINES=virtuoso CHECKS=views,validation` reruns a part; QUICK=1
# compares 2 stakeholder and 4 resource pages instead of all of them and 12.
ENGINES ?=
CHECKS ?=
compat: install
	$(BIN)/python -m compat --install $(if $(ENGINES),--engines $(ENGINES)) \
	  $(if $(CHECKS),--checks $(CHECKS)) $(if $(QUICK),--quick)

bench-serve: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || \
	  echo "make: bench-serve needs wrk: apt-get install wrk"
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
