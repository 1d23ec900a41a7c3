"""``comgraph validate``, ``check-shapes``, ``check-ontology`` and ``docs``: the checks that
pipelines run, and the ontology's pages."""

from __future__ import annotations

import sys

import click

from comgraph.cli_common import Fail, open_or_fail, store_option
from comgraph.output import write_file
from comgraph.sources import expand_data_paths
from comgraph.store import DEFAULT_STORE_URL, LoadError, Store, StoreError


def _format_spec(spec: str) -> tuple[str, str | None]:
    from comgraph.validate.render import RENDERERS

    name, _, path = spec.partition(":")
    if name not in RENDERERS:
        raise click.BadParameter(f"{spec!r}: expected one of {', '.join(RENDERERS)}, optionally "
                                 "followed by :PATH", param_hint="--format")
    return name, path or None


#: Seconds each shape's query may run on a remote store when --shape-timeout is not given.
DEFAULT_REMOTE_SHAPE_TIMEOUT = 300.0

@click.command("validate")
@click.argument("data", nargs=-1, type=click.Path())
@store_option
@click.option("--shapes", "shapes_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of SHACL shapes (default: comgraph's own shapes).")
@click.option("--format", "formats", multiple=True, default=("text",), show_default=True,
              metavar="FORMAT[:PATH]",
              help="text, json, turtle, sarif, junit or github; repeat for several; :PATH writes a file.")
@click.option("--fail-on", type=click.Choice(["violation", "warning", "info", "never"]),
              default="violation", show_default=True,
              help="Lowest severity that makes the exit code 1 (and the report say FAIL); never: exit 0 "
                   "whatever is found, the report still judging at the violation level.")
@click.option("--waivers", type=click.Path(dir_okay=False), metavar="FILE", help="YAML waivers file.")
@click.option("--baseline", type=click.Path(dir_okay=False), metavar="FILE",
              help="An earlier --format json report: fail only on findings that are new.")
@click.option("--inference", type=click.Choice(["none", "rdfs", "owlrl"]), default="none", show_default=True)
@click.option("--as-of", "as_of", metavar="DATE",
              help="The date that date checks use (default: the data's cg:asOfDate, else today).")
@click.option("--engine", type=click.Choice(["sparql", "pyshacl"]), default="sparql", show_default=True,
              help="sparql: shapes compiled to SPARQL, run by the store; pyshacl: the reference engine.")
@click.option("--shape-timeout", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Time limit for each shape's query; a shape that reaches it is named in the report "
                   "and abandoned, the others still run (exit 2). 0: no limit. Default: 300 on a "
                   "remote store, none on the embedded one.")
@click.pass_context
def validate_command(ctx: click.Context, data: tuple[str, ...], store_url: str, shapes_dir: str | None,
                     formats: tuple[str, ...], fail_on: str, waivers: str | None, baseline: str | None,
                     inference: str, as_of: str | None, engine: str, shape_timeout: float | None) -> None:
    """Validate DATA files or folders (or the store at --store) against the SHACL shapes.

    Exit codes: 0 conforms at the --fail-on level, 1 findings, 2 usage, parse or runtime error,
    or a shape that could not be checked (its query refused or timed out; the report is still
    written, naming it, with every other shape's findings), 3 a SHACL feature comgraph cannot
    check.
    """
    from comgraph.validate import Severity, UnsupportedFeature, ValidationError, validate
    from comgraph.validate.baseline import BaselineError, apply_baseline, load_baseline
    from comgraph.validate.render import render
    from comgraph.validate.render.github import summary
    from comgraph.validate.waivers import WaiverFileError, apply_waivers, load_waivers

    outputs = [_format_spec(f) for f in formats]
    level = None if fail_on == "never" else Severity.from_name(fail_on)  # what exits 1
    judged = Severity.judging(fail_on)  # what the report says: never judges at violation
    store_given = ctx.get_parameter_source("store_url") == click.core.ParameterSource.COMMANDLINE
    if data and store_given:
        raise Fail("give DATA files or --store URL, not both (validate loads DATA into a private store)")
    if not data and store_url == DEFAULT_STORE_URL:
        raise Fail("nothing to validate: give DATA files or folders, or --store URL")
    try:
        waiver_list = load_waivers(waivers) if waivers else []
        known = load_baseline(baseline) if baseline else None
        target = list(data) if data else open_or_fail(store_url)
        if shape_timeout is None:
            # A remote engine gets a limit per shape by default. In this process a limit means a
            # forked child per query, whose scans copy the store's pages (a second copy of a 1M
            # store per child): only when asked for.
            remote = isinstance(target, Store) and not target.holds_data_in_process
            shape_timeout = DEFAULT_REMOTE_SHAPE_TIMEOUT if remote else 0
        try:
            report = validate(target, shapes_dir, as_of=as_of, inference=inference, engine=engine,
                              shape_timeout=shape_timeout or None)
        finally:
            if isinstance(target, Store):
                target.close()
    except UnsupportedFeature as exc:
        click.echo(f"comgraph: unsupported SHACL feature: {exc}", err=True)
        sys.exit(3)
    except (ValidationError, WaiverFileError, BaselineError, StoreError, LoadError) as exc:
        raise Fail(str(exc)) from None
    if waivers:
        apply_waivers(report, waiver_list)
    if known is not None:
        apply_baseline(report, known)
    for name, path in outputs:
        text = render(report, name, judged)
        if path:
            write_file(path, text.encode("utf-8"))  # whole or not at all
        else:
            click.echo(text, nl=False)
        if name == "github":
            import os

            summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
            if summary_file:
                with open(summary_file, "a", encoding="utf-8") as sink:
                    sink.write(summary(report, judged))
    if report.failed_shapes:
        for failure in report.failed_shapes:
            click.echo(f"comgraph: shape not checked: {failure.title}: {failure.reason}", err=True)
        sys.exit(2)
    sys.exit(0 if level is None or report.conforms(level) else 1)


@click.command("check-shapes")
@click.option("--shapes", "shapes_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of SHACL shapes (default: comgraph's own shapes).")
def check_shapes_command(shapes_dir: str | None) -> None:
    """Check the shapes: valid SHACL (SHACL-SHACL), and each with an IRI, sh:name, sh:message,
    sh:severity and a cg:enforces link to a checklist item. Exit 1 on any problem."""
    from comgraph.paths import shapes_dir as default_shapes_dir
    from comgraph.validate.lint import check_shapes
    from comgraph.validate.shapes import Shapes, ShapesError

    try:
        shapes = Shapes.load(shapes_dir or default_shapes_dir())
    except (ShapesError, LoadError) as exc:
        raise Fail(str(exc)) from None
    problems = check_shapes(shapes)
    for p in problems:
        click.echo(str(p))
    errors = [p for p in problems if p.level == "error"]
    click.echo(f"{len(errors)} problem(s) in {len(shapes.files)} shapes file(s)", err=True)
    sys.exit(1 if errors else 0)


@click.command("check-ontology")
@click.option("--data", "data", multiple=True, metavar="PATH",
              help="Also check that these Turtle files (or folders) use only declared terms. "
                   "data/ and shapes/ are always checked.")
@click.option("--skip-reasoner", is_flag=True, help="Skip the HermiT consistency run (the slow part).")
def check_ontology_command(data: tuple[str, ...], skip_reasoner: bool) -> None:
    """Check the ontology: HermiT consistency, OWL 2 DL profile, labels, declared terms.

    Exit 0 when every check passes, 1 when one finds a problem, 2 when a check cannot run
    (for example no Java, or a file that does not parse).
    """
    from comgraph import ontology

    try:
        report = ontology.check_ontology(reasoner=not skip_reasoner)
        extra = [p for p in expand_data_paths(data) if p.suffix.lower() == ".ttl"]
        if extra:
            report.findings += ontology.check_declared(extra)
    except ontology.OntologyError as exc:
        raise Fail(str(exc)) from None
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for finding in report.findings:
        click.echo(f"{finding.check}: {finding}")
    if report.findings:
        click.echo(f"check-ontology: {len(report.findings)} problem(s)", err=True)
        sys.exit(1)
    click.echo("check-ontology: ok (consistency, OWL 2 DL profile, labels, declared terms)"
               if not skip_reasoner else "check-ontology: ok (reasoner skipped)")


@click.command("docs")
@click.argument("out_dir", metavar="OUT", type=click.Path(file_okay=False))
def docs_command(out_dir: str) -> None:
    """Write the ontology's HTML documentation (pyLODE) into the folder OUT."""
    from comgraph import ontology

    try:
        html = ontology.write_docs(out_dir)
    except ontology.OntologyError as exc:
        raise Fail(str(exc)) from None
    click.echo(str(html))
