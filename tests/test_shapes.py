"""Tests of the SHACL shapes in ``shapes/``: each shape fires on the node it should, for the
checklist item it enforces, and nowhere else; every shape carries the metadata the report needs;
the demo relationship conforms; the demo with known defects yields exactly the defects its
README lists.

Each shape has a folder ``tests/data/shapes/<shape local name>/`` with ``conforms.ttl`` (data the
shape accepts) and ``violates.ttl`` (data it rejects). ``EXPECTED`` below says, for every shape,
which checklist item and severity its findings carry and on which focus nodes of
``violates.ttl`` it fires. A test compares the full set, so a shape that stops firing, fires on
the wrong node or for the wrong item fails.

The shapes run through ``comgraph.validate.validate`` with its default engine (the shapes
compiled to SPARQL and run by the store), the way ``comgraph validate`` runs them; one test runs
the reference engine (pySHACL) on every fixture too and asserts the same findings.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
import rdflib
import yaml
from rdflib import RDF, SH, URIRef
from rdflib.namespace import SKOS

from comgraph.validate import validate

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
FIXTURES = ROOT / "tests" / "data" / "shapes"
CHECKLIST = ROOT / "ontology" / "vocab" / "checklist.ttl"
DEMO = ROOT / "data" / "demo"
DEFECTS = ROOT / "data" / "demo-defects"

CG = rdflib.Namespace("https://w3id.org/comgraph/ns#")
CGSH = "https://w3id.org/comgraph/shapes/"
CGCHK = "https://w3id.org/comgraph/vocab/checklist/"
CGP = "https://w3id.org/comgraph/vocab/process/"
AS_OF = re.compile(r"\$asOf\b")

#: Focus nodes are written compactly: the fixtures' and the demo's namespaces are both "ex:".
FOCUS_PREFIXES = {
    "https://example.org/shapes-test/": "ex:",
    "https://example.org/retail-it/": "ex:",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One validation result, reduced to what the tests assert: which shape fired, on which
    focus node, for which checklist item, at which severity."""

    shape: str  # local name in cgsh:
    focus: str  # compact IRI, e.g. "ex:role-unnamed"
    item: str  # local name in cgchk:
    severity: str  # "Violation" | "Warning" | "Info"


def _compact(node: rdflib.term.Node) -> str:
    text = str(node)
    for namespace, prefix in FOCUS_PREFIXES.items():
        if text.startswith(namespace):
            return prefix + text[len(namespace):]
    return text


def _local(node: rdflib.term.Node | None, namespace: str) -> str:
    text = str(node)
    return text[len(namespace):] if text.startswith(namespace) else text


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path)
    return graph


def run_shapes(paths: Iterable[Path], as_of: date | None = None, engine: str = "sparql",
               shapes: Path = SHAPES_DIR) -> set[Finding]:
    """Validate RDF files (or folders of them) against a folder of shapes (all of shapes/ by
    default); the as-of date is the one given, else the ``cg:asOfDate`` recorded in the data,
    else today."""
    report = validate(list(paths), shapes, as_of=as_of, engine=engine)
    assert report.fallback_shapes == [], "every shape should compile to SPARQL"
    return {
        Finding(
            shape=_local(r.shape, CGSH),
            focus=_compact(r.focus.value),
            item=_local(r.checklist_item, CGCHK),
            severity=r.severity.name.title(),
        )
        for r in report.results
    }


@pytest.fixture(scope="session")
def findings() -> Callable[..., set[Finding]]:
    """The one seam between these tests and the validation engine."""
    return run_shapes


@pytest.fixture(scope="session")
def one_shape(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A shapes folder holding one shape (its description, blank nodes and all) and the shared
    prefixes, so a fixture test runs only the shape it is about: the reference engine parses
    each SPARQL query again for every focus node, and the whole set would make the suite slow."""
    root = tmp_path_factory.mktemp("one-shape")

    def folder(shape: str) -> Path:
        out = root / shape
        if not out.is_dir():
            out.mkdir()
            shutil.copy(SHAPES_DIR / "prefixes.ttl", out / "prefixes.ttl")
            graph = shapes_graph().cbd(URIRef(CGSH + shape))
            for prefix, namespace in shapes_graph().namespaces():
                graph.bind(prefix, namespace)
            graph.serialize(out / "shape.ttl", format="turtle")
        return out

    return folder


# shape -> (checklist item it enforces, severity of its findings, focus nodes in violates.ttl)
EXPECTED: dict[str, tuple[str, str, set[str]]] = {
    # roles.ttl
    "RoleLabelShape": ("role-defined", "Violation", {"ex:role-unnamed"}),
    "RoleDefinitionShape": ("role-defined", "Violation", {"ex:role-undefined"}),
    "RoleProcessShape": ("role-has-process", "Violation",
                         {"ex:role-no-process", "ex:role-bad-process", "ex:role-two-processes"}),
    "RoleResponsibilityShape": ("role-carries-responsibility", "Violation",
                                {"ex:role-idle", "ex:role-vague"}),
    "RoleHolderGapShape": ("role-continuously-held", "Violation", {"ex:role-vacant", "ex:role-gap"}),
    "RoleHolderShortGapShape": ("role-continuously-held", "Warning",
                                {"ex:role-short-gap", "ex:role-early-leaver"}),
    "RoleSingleHolderShape": ("role-single-holder", "Violation", {"ex:role-shared"}),
    # responsibilities.ttl
    "ResponsibilityProcessShape": ("responsibility-has-process", "Violation",
                                   {"ex:resp-no-process", "ex:resp-bad-process"}),
    "RecurringResponsibilityFrequencyShape": ("recurring-responsibility-frequency", "Violation",
                                              {"ex:resp-no-frequency", "ex:resp-odd-frequency"}),
    "ResponsibilityResponsibleShape": ("responsibility-has-responsible", "Violation",
                                       {"ex:resp-nobody-responsible"}),
    "ResponsibilityAccountableGapShape": ("responsibility-one-accountable", "Violation",
                                          {"ex:resp-unaccountable", "ex:resp-gap"}),
    "ResponsibilityAccountableOverlapShape": ("responsibility-one-accountable", "Violation",
                                              {"ex:resp-two-accountable"}),
    "AssigneeIsMemberShape": ("assignee-is-member", "Violation",
                              {"ex:ra-outsider", "ex:ra-leaver", "ex:ra-undated",
                               "ex:ra-wrong-relationship", "ex:ra-unlinked"}),
    "StakeholderHoldsRoleShape": ("stakeholder-holds-role", "Violation", {"ex:silent-partner"}),
    # strategy.ttl
    "ObjectiveOwnerShape": ("objective-owned", "Violation", {"ex:objective-unowned"}),
    "ObjectiveReviewDateShape": ("objective-review-current", "Violation",
                                 {"ex:objective-undated", "ex:objective-text-date"}),
    "ObjectiveReviewPastShape": ("objective-review-current", "Warning", {"ex:objective-overdue"}),
    "PolicyOwnerShape": ("policy-owned-versioned", "Violation",
                         {"ex:policy-unowned", "ex:procedure-unowned"}),
    "PolicyVersionShape": ("policy-owned-versioned", "Violation",
                           {"ex:policy-unversioned", "ex:procedure-unversioned"}),
    "PriorityOwnerShape": ("priority-ranked", "Violation", {"ex:priority-unowned"}),
    "PriorityRankShape": ("priority-ranked", "Violation", {"ex:priority-unranked", "ex:priority-rank-zero"}),
    "DecisionMakerShape": ("decision-recorded", "Violation",
                           {"ex:decision-anonymous", "ex:selection-anonymous"}),
    "DecisionDateShape": ("decision-recorded", "Violation", {"ex:decision-undated", "ex:selection-undated"}),
    # membership.ttl
    "CapabilityCoveredShape": ("capability-covered", "Violation", {"ex:cap-uncovered", "ex:cap-undecided"}),
    "KeySubcontractorApprovalShape": ("key-subcontractor-joint-approval", "Violation",
                                      {"ex:sel-no-prime", "ex:sel-no-client", "ex:sel-by-parent",
                                       "ex:sel-in-rel-no-prime", "ex:sel-unlinked"}),
    "MembershipMemberShape": ("membership-complete", "Violation", {"ex:m-nobody"}),
    "MembershipRoleShape": ("membership-complete", "Violation", {"ex:m-roleless"}),
    "MembershipStartShape": ("membership-complete", "Violation", {"ex:m-undated"}),
    # team.ttl
    "TeamExistsShape": ("team-exists", "Violation", {"ex:rel"}),
    "TeamCoversStakeholderKindsShape": ("team-covers-stakeholder-kinds", "Violation", {"ex:team"}),
    "TeamMemberRoleShape": ("team-member-role", "Violation", {"ex:tm-no-role", "ex:tm-undefined-role"}),
    "TeamMemberRepresentsShape": ("team-member-role", "Violation", {"ex:tm-nobody", "ex:tm-outsider"}),
    # equity.ttl
    "OwnershipSharesTotalShape": ("ownership-shares-total", "Violation", {"ex:asset-short", "ex:ip-overlap"}),
    "OwnershipShareShape": ("ownership-shares-total", "Violation", {"ex:own-no-share", "ex:own-too-much"}),
    "LicenceLicensorShape": ("licence-complete", "Violation", {"ex:licence-no-licensor"}),
    "LicenceLicenseeShape": ("licence-complete", "Violation", {"ex:licence-no-licensee"}),
    "LicenceScopeShape": ("licence-complete", "Violation", {"ex:licence-no-scope"}),
    "LicenceTermShape": ("licence-complete", "Violation", {"ex:licence-undated", "ex:licence-open-ended"}),
    "BillingPayerShape": ("billing-complete", "Violation", {"ex:billing-no-payer"}),
    "BillingPayeeShape": ("billing-complete", "Violation", {"ex:billing-no-payee"}),
    "BillingFrequencyShape": ("billing-complete", "Violation", {"ex:billing-no-frequency"}),
    "BillingPricingModelShape": ("billing-complete", "Violation",
                                 {"ex:billing-no-pricing", "ex:billing-bad-pricing"}),
    "FundingFunderShape": ("funding-complete", "Violation", {"ex:funding-no-funder"}),
    "FundingAmountShape": ("funding-complete", "Violation", {"ex:funding-no-amount"}),
    "FundingCurrencyShape": ("funding-complete", "Violation",
                             {"ex:funding-no-currency", "ex:funding-euro-sign"}),
    # obligations.ttl
    "ObligationObligorShape": ("obligation-complete", "Violation", {"ex:obligation-no-obligor"}),
    "ObligationObligeeShape": ("obligation-complete", "Violation", {"ex:obligation-no-obligee"}),
    "ObligationDueShape": ("obligation-complete", "Violation", {"ex:obligation-timeless"}),
    "ObligationDeliverableShape": ("obligation-complete", "Violation", {"ex:obligation-empty"}),
    "OverdueObligationStatusShape": ("overdue-obligation-status", "Warning", {"ex:obligation-overdue"}),
    "ObligationConsequenceShape": ("obligation-consequence", "Violation", {"ex:obligation-toothless"}),
    # audit.ttl
    "StakeholderHasTargetsShape": ("stakeholder-has-targets", "Violation", {"ex:stores"}),
    "TargetMetricComponentShape": ("target-metric-component", "Violation",
                                   {"ex:target-no-metric", "ex:target-off-scale", "ex:target-bare-metric"}),
    "TargetOperatorShape": ("target-complete", "Violation", {"ex:target-no-operator"}),
    "TargetThresholdShape": ("target-complete", "Violation", {"ex:target-no-threshold"}),
    "TargetUnitShape": ("target-complete", "Violation", {"ex:target-no-unit"}),
    "TargetPeriodShape": ("target-complete", "Violation", {"ex:target-no-period", "ex:target-odd-period"}),
    "TargetMeasuredShape": ("target-measured", "Violation",
                            {"ex:target-never-measured", "ex:target-measured-later"}),
    "TargetMeasurementStaleShape": ("target-measured", "Warning", {"ex:target-stale"}),
    "AuditCoversPriceAndServiceShape": ("audit-covers-components", "Violation", {"ex:audit-partial"}),
    "AuditCoversContractAndRelationshipsShape": ("audit-covers-components", "Violation",
                                                 {"ex:audit-partial"}),
    "AuditCoversStakeholderSatisfactionShape": ("audit-covers-components", "Violation", {"ex:audit-partial"}),
    "AuditCoversVisionAndAlignmentShape": ("audit-covers-components", "Violation", {"ex:audit-partial"}),
    "AuditAuditorShape": ("audit-complete", "Violation", {"ex:audit-no-auditor"}),
    "AuditAuditeeShape": ("audit-complete", "Violation", {"ex:audit-no-auditee"}),
    "AuditPeriodShape": ("audit-complete", "Violation", {"ex:audit-undated", "ex:audit-no-end"}),
    # feedback.ttl
    "ReportFrequencyShape": ("report-frequency", "Violation", {"ex:series-gappy", "ex:series-silent"}),
    "ForecastCurrentShape": ("forecast-current", "Violation", {"ex:rel"}),
    "LessonOwnerShape": ("lesson-owned-actioned", "Violation", {"ex:lesson-unowned"}),
    "LessonActionShape": ("lesson-owned-actioned", "Violation", {"ex:lesson-ignored"}),
    "ActionOwnerShape": ("action-owned-dated", "Violation", {"ex:action-unowned", "ex:enhancement-unowned"}),
    "ActionDueDateShape": ("action-owned-dated", "Violation", {"ex:action-undated"}),
    "ActionStatusShape": ("action-owned-dated", "Violation", {"ex:action-no-status", "ex:action-odd-status"}),
    "RiskOwnerShape": ("risk-assessed", "Violation", {"ex:risk-unowned"}),
    "RiskLikelihoodShape": ("risk-assessed", "Violation", {"ex:risk-no-likelihood"}),
    "RiskImpactShape": ("risk-assessed", "Violation", {"ex:risk-no-impact"}),
    # adhoc.ttl
    "ArrangementOwnedShape": ("arrangement-owned", "Violation",
                              {"ex:side-letter", "ex:handshake-billing", "ex:email-deal",
                               "ex:licence-orphan"}),
}

#: The checks SHACL Core cannot express: dates against the as-of date, gaps and overlaps over
#: time, totals, and comparisons with values found elsewhere in the graph.
SPARQL_SHAPES = {
    "RoleHolderGapShape", "RoleHolderShortGapShape", "RoleSingleHolderShape",
    "ResponsibilityAccountableGapShape", "ResponsibilityAccountableOverlapShape", "AssigneeIsMemberShape",
    "ObjectiveReviewPastShape", "KeySubcontractorApprovalShape", "TeamCoversStakeholderKindsShape",
    "OwnershipSharesTotalShape", "OverdueObligationStatusShape", "TargetMeasuredShape",
    "TargetMeasurementStaleShape", "ReportFrequencyShape", "ForecastCurrentShape",
}


def all_shapes() -> list[URIRef]:
    graph = shapes_graph()
    return sorted({s for t in (SH.NodeShape, SH.PropertyShape) for s in graph.subjects(RDF.type, t)})


def shape_names() -> list[str]:
    return [_local(s, CGSH) for s in all_shapes()]


def checklist() -> rdflib.Graph:
    return rdflib.Graph().parse(CHECKLIST)


# -- the fixtures -------------------------------------------------------------------------------


def test_every_shape_has_a_conforming_and_a_violating_snippet_and_an_expectation():
    with_fixtures = {p.name for p in FIXTURES.iterdir()
                     if (p / "conforms.ttl").is_file() and (p / "violates.ttl").is_file()}
    assert set(shape_names()) == with_fixtures == set(EXPECTED)


@pytest.mark.parametrize("shape", sorted(EXPECTED))
def test_conforming_snippet_raises_nothing_from_its_shape(shape, findings, one_shape):
    assert findings([FIXTURES / shape / "conforms.ttl"], shapes=one_shape(shape)) == set()


@pytest.mark.parametrize("shape", sorted(EXPECTED))
def test_violating_snippet_fires_its_shape_on_the_expected_nodes_for_its_checklist_item(shape, findings,
                                                                                         one_shape):
    item, severity, foci = EXPECTED[shape]
    fired = findings([FIXTURES / shape / "violates.ttl"], shapes=one_shape(shape))
    assert fired == {Finding(shape, focus, item, severity) for focus in foci}


@pytest.mark.parametrize("shape", sorted(EXPECTED))
def test_reference_engine_finds_the_same_on_both_snippets(shape, findings, one_shape):
    for snippet in ("conforms.ttl", "violates.ttl"):
        data = [FIXTURES / shape / snippet]
        assert findings(data, engine="pyshacl", shapes=one_shape(shape)) == \
            findings(data, shapes=one_shape(shape)), snippet


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_assignee_findings_name_the_relationship_the_party_is_not_a_member_of(one_shape, engine):
    """In a portfolio the message says which relationship: the linked one only, or each one an
    unlinked assignment's party is not a member of."""
    report = validate([FIXTURES / "AssigneeIsMemberShape" / "violates.ttl"],
                      one_shape("AssigneeIsMemberShape"), engine=engine)
    got = {(_compact(r.focus.value), r.message) for r in report.results
           if _compact(r.focus.value) in ("ex:ra-wrong-relationship", "ex:ra-unlinked")}
    says = ("This assignment gives a responsibility to https://example.org/shapes-test/vendor, which is "
            "not a member of the relationship (Test relationship) on 2026-01-01.")
    assert got == {("ex:ra-wrong-relationship", says), ("ex:ra-unlinked", says)}


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_key_subcontractor_findings_name_the_missing_approver(one_shape, engine):
    """Which approval each key subcontractor lacks, judged in its own relationship
    (cg:ofRelationship), and the relationship that records no prime contractor said as such:
    the rows Virtuoso once got wrong (compat/results.md)."""
    report = validate([FIXTURES / "KeySubcontractorApprovalShape" / "violates.ttl"],
                      one_shape("KeySubcontractorApprovalShape"), engine=engine)
    got = {(_compact(r.focus.value), _compact(r.value.value), r.message) for r in report.results}
    lacks = "This key subcontractor was not approved by the {}: key subcontractors need the joint " \
            "approval of the client company and the prime contractor."
    unrecorded = lacks.format("prime contractor (its relationship records none)")
    assert got == {
        ("ex:sel-no-prime", "ex:prime", lacks.format("prime contractor")),
        ("ex:sel-no-client", "ex:retailer", lacks.format("client company")),
        ("ex:sel-by-parent", "ex:retailer", lacks.format("client company")),
        ("ex:sel-in-rel-no-prime", "ex:sel-in-rel-no-prime", unrecorded),
        ("ex:sel-unlinked", "ex:sel-unlinked", unrecorded),
    }


def test_date_dependent_shapes_judge_by_the_as_of_date_given(findings):
    """The same objective is overdue for review on 2026-06-30 but not on 2026-01-01."""
    data = [FIXTURES / "ObjectiveReviewPastShape" / "violates.ttl"]
    late = {f for f in findings(data, as_of=date(2026, 6, 30)) if f.shape == "ObjectiveReviewPastShape"}
    early = {f for f in findings(data, as_of=date(2026, 1, 1)) if f.shape == "ObjectiveReviewPastShape"}
    assert late == {Finding("ObjectiveReviewPastShape", "ex:objective-overdue", "objective-review-current",
                            "Warning")}
    assert early == set()


# -- what every shape carries --------------------------------------------------------------------


@pytest.mark.parametrize("shape", shape_names())
def test_shape_has_a_name_description_message_severity_checklist_item_and_its_process(shape):
    graph = shapes_graph()
    node = URIRef(CGSH + shape)
    for predicate in (SH.name, SH.description, SH.message):
        values = list(graph.objects(node, predicate))
        assert len(values) == 1 and str(values[0]).strip(), f"{shape} needs one {predicate}"
    assert graph.value(node, SH.severity) in (SH.Violation, SH.Warning, SH.Info)
    item = graph.value(node, CG.enforces)
    assert item is not None and str(item).startswith(CGCHK)
    items = checklist()
    assert (item, RDF.type, CG.ChecklistItem) in items, f"{shape} enforces unknown item {item}"
    assert graph.value(node, CG.process) == items.value(item, CG.process), \
        f"{shape} names a process other than its checklist item's"


def test_every_checklist_item_is_enforced_by_at_least_one_shape():
    items = set(checklist().subjects(RDF.type, CG.ChecklistItem))
    enforced = set(shapes_graph().objects(None, CG.enforces))
    assert items - enforced == set()


def test_shacl_sparql_is_used_only_where_core_cannot_say_the_thing():
    graph = shapes_graph()
    with_sparql = {_local(s, CGSH) for s in graph.subjects(SH.sparql, None)}
    assert with_sparql == SPARQL_SHAPES
    reads_as_of = {_local(s, CGSH) for s, c in graph.subject_objects(SH.sparql)
                   if AS_OF.search(str(graph.value(c, SH.select)))}
    assert reads_as_of == {"ObjectiveReviewPastShape", "TeamCoversStakeholderKindsShape",
                           "OverdueObligationStatusShape", "TargetMeasuredShape",
                           "TargetMeasurementStaleShape", "ReportFrequencyShape", "ForecastCurrentShape"}


def test_shapes_conform_to_the_shacl_shacl_shapes():
    shacl_shacl = rdflib.Graph().parse(Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl")
    conforms, _, text = pyshacl.validate(shapes_graph(), shacl_graph=shacl_shacl)
    assert conforms, text


def _readme_rows() -> list[dict[str, str]]:
    """The table in shapes/README.md, one dict per row keyed by its header."""
    lines = [ln.strip() for ln in (SHAPES_DIR / "README.md").read_text(encoding="utf-8").splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| shape |"))
    table = []
    for ln in lines[start:]:
        if not ln.startswith("|"):
            break
        table.append(ln)
    header = [c.strip() for c in table[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip().strip("`") for c in row.strip("|").split("|")), strict=True))
            for row in table[2:]]


def test_readme_table_lists_every_shape_with_its_item_process_severity_and_kind():
    graph = shapes_graph()
    items = checklist()
    expected = set()
    for node in all_shapes():
        item = graph.value(node, CG.enforces)
        expected.add((
            "cgsh:" + _local(node, CGSH),
            "cgchk:" + _local(item, CGCHK),
            str(items.value(item, SKOS.notation)),
            "cgp:" + _local(items.value(item, CG.process), CGP),
            _local(graph.value(node, SH.severity), str(SH)),
            "SPARQL" if (node, SH.sparql, None) in graph else "Core",
        ))
    listed = {(r["shape"], r["checklist item"], r["notation"], r["process"], r["severity"], r["kind"])
              for r in _readme_rows()}
    assert listed == expected


# -- the demo relationship ---------------------------------------------------------------------


def test_demo_relationship_conforms_to_every_shape(findings):
    assert findings([DEMO]) == set()


def _defects() -> list[dict]:
    return yaml.safe_load((DEFECTS / "defects.yaml").read_text(encoding="utf-8"))


def _expected_defects() -> set[Finding]:
    return {Finding(f["shape"], f["focus"], f["item"], f["severity"])
            for d in _defects() for f in d["findings"]}


def _remove_block(text: str, subject: str) -> str:
    """Remove the Turtle block that starts with ``subject`` at the start of a line, up to and
    including the blank line after it."""
    match = re.search(rf"^{re.escape(subject)}\s.*?(?:\n\n|\Z)", text, flags=re.M | re.S)
    if match is None:
        raise ValueError(f"no block for {subject}")
    return text[:match.start()] + text[match.end():]


def demo_with_defects() -> dict[str, str]:
    """The text of every file of data/demo with the edits of defects.yaml applied."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*.ttl"))}
    for defect in _defects():
        name = defect["file"]
        for edit in defect["edits"]:
            if "remove_block" in edit:
                files[name] = _remove_block(files[name], edit["remove_block"])
            else:
                count = files[name].count(edit["find"])
                if count != 1:
                    raise ValueError(f"defect {defect['id']}: the text to edit occurs {count} times "
                                     f"in {name}")
                files[name] = files[name].replace(edit["find"], edit["replace"])
    return files


def write_demo_defects() -> None:
    """Regenerate data/demo-defects/*.ttl from data/demo and defects.yaml."""
    for name, text in demo_with_defects().items():
        (DEFECTS / name).write_text(text, encoding="utf-8")


def test_demo_with_defects_is_the_demo_plus_exactly_the_listed_edits():
    expected = demo_with_defects()
    actual = {p.name: p.read_text(encoding="utf-8") for p in sorted(DEFECTS.glob("*.ttl"))}
    assert sorted(actual) == sorted(expected), "run: .venv/bin/python -m tests.test_shapes"
    for name in expected:
        assert actual[name] == expected[name], f"{name} is out of step with data/demo; run: " \
            ".venv/bin/python -m tests.test_shapes"


def test_demo_with_defects_yields_exactly_the_defects_its_readme_lists(findings):
    assert findings([DEFECTS]) == _expected_defects()


def test_every_message_on_the_demo_with_defects_reads_without_placeholders():
    for result in validate([DEFECTS], SHAPES_DIR).results:
        assert result.message and "{" not in result.message, result.message


def test_demo_with_defects_readme_mirrors_its_defect_list():
    lines = (DEFECTS / "README.md").read_text(encoding="utf-8").splitlines()
    table = [ln for ln in lines if ln.startswith("|")][2:]
    listed = set()
    for row in table:
        cells = [c.strip().strip("`") for c in row.strip("|").split("|")]
        # | # | defect | checklist item | shape | focus node | severity |
        listed.add(Finding(cells[3].removeprefix("cgsh:"), cells[4], cells[2].removeprefix("cgchk:"),
                           cells[5]))
    assert listed == _expected_defects()


if __name__ == "__main__":
    write_demo_defects()
