"""The ``comgraph`` command line: the front door that people and pipelines use.

Exit codes are part of the interface: 0 success, 1 findings (validate), 2 a usage, parse or
runtime error. Every command takes ``--store URL`` (or ``COMGRAPH_STORE``); ``comgraph --engine
NAME COMMAND`` says which engine a remote store is. The commands live in
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
from comgraph.cli_common import ENGINE_KEY, Fail, engine_connection_failure, os_error_message
from comgraph.diff.command import diff as diff_command
from comgraph.importers import import_group
from comgraph.store import StoreError


class _Commands(click.Group):
    """The command group, with one net under every command (and every subcommand of a group
    such as ``import``): a StoreError of any kind (an engine that is down, refuses credentials or
    a write, a load's bad file), an engine connection that broke half-way through an answer, or
    an OSError (a file that cannot be read or written) that a command did not turn into a Fail
    itself still ends as ``comgraph: message`` and exit code 2, never a traceback. The commands
    write their ``-o`` files through ``comgraph.output.replaced_on_success``, so such a failure
    leaves no empty or partial file behind."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise Fail(str(exc)) from None
        except Exception as exc:
            # Before OSError: requests' errors are OSErrors too.
            message = engine_connection_failure(exc)
            if message is not None:
                raise Fail(message) from None
            if not isinstance(exc, OSError) or exc.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of our output went away
            raise Fail(os_error_message(exc)) from None


def _engine_names() -> list[str]:
    from comgraph.store.engines import PROFILES

    return sorted(PROFILES)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="comgraph")
# No envvar here: COMGRAPH_ENGINE is read by open_store, which applies it to remote stores only.
@click.option("--engine", "engine", metavar="NAME", default=None,
              type=click.Choice(_engine_names(), case_sensitive=False),
              help=f"Which engine the remote --store is ({', '.join(_engine_names())}; or set "
                   "COMGRAPH_ENGINE); by default found from the endpoint. See docs/store.md.")
@click.pass_context
def main(ctx: click.Context, engine: str | None) -> None:
    """comgraph: the knowledge graph of a co-managed business relationship.

    Load RDF, query it with SPARQL, validate it against the co-management shapes, and serve it
    to people and machines.
    """
    ctx.meta[ENGINE_KEY] = engine.lower() if engine else None



for command in (data.load, data.query, data.dump, serve.serve, checks.validate_command,
                checks.check_shapes_command, checks.check_ontology_command, checks.docs_command,
                diff_command, import_group, export_group, link_group,
                lookahead.lookahead_command, lookahead.calendar_command):
    main.add_command(command)
