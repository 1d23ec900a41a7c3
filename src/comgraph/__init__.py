"""comgraph: a knowledge graph and SPARQL service for co-managing multi-party business relationships.

The library is organised around one seam, :class:`comgraph.store.Store`; everything that reads
or writes the graph (the CLI, the web app, validation, the query catalogue) goes through it.
"""

__version__ = "0.1.0"
