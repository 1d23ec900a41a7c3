"""``python -m comgraph.cli``."""

from comgraph.cli import main

main()
