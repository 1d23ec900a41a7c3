"""The ``comgraph`` command line: the front door that people and pipelines use.

Exit codes are part of the interface: 0 success, 1 findings (validate), 2 a usage, parse or
runtime error. Every command takes ``--store URL`` (or ``COMGRAPH_STORE``). The commands live in
``data`` (load, query, dump), ``serve``, ``checks`` (validate, check-shapes, check-ontology,
docs), and in the packages that own them (diff, import, export, link); ``comgraph.cli_common``
holds what they share.
"""

from __future__ import annotations

import errno

import click

from comgraph import __version__
from comgraph.catalog import export_group, link_group
from comgraph.cli import checks, data, lookahead, serve
from comgraph.cli_common import Fail, os_error_message
from comgraph.diff.command import diff as diff_command
from comgraph.importers import import_group
from comgraph.store import StoreError


class _Commands(click.Group):
    """The command group, with one net under every command: a StoreError (an engine that is
    down, refuses credentials or a write) or an OSError (a file that cannot be read or written)
    that a command did not turn into a Fail itself still ends as ``comgraph: message`` and exit
    code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Fail(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of our output went away
            raise Fail(os_error_message(exc)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="comgraph")
def main() -> None:
    """comgraph: the knowledge graph of a co-managed business relationship.

    Load RDF, query it with SPARQL, validate it against the co-management shapes, and serve it
    to people and machines.
    """



for command in (data.load, data.query, data.dump, serve.serve, checks.validate_command,
                checks.check_shapes_command, checks.check_ontology_command, checks.docs_command,
                diff_command, import_group, export_group, link_group,
                lookahead.lookahead_command, lookahead.calendar_command):
    main.add_command(command)
