"""comgraph's benchmarks: `make bench` runs them all (benchmarks/bench.py) on the data of
benchmarks/generate.py."""
