"""JUnit XML for CI test dashboards: one test suite per shape, one test case per shape and
focus node. A finding at or above the fail level is a failure; waived findings are skipped. A
shape that could not be checked (refused, broken off, timed out) is an ``<error>`` test case in
the suite "shapes that could not be checked", never a passing one."""

from __future__ import annotations

from itertools import groupby
from xml.etree import ElementTree as ET

from comgraph.namespaces import compact
from comgraph.validate.model import Report, Severity
from comgraph.validate.render.common import focus_text, path_display


def render(report: Report, fail_on: Severity | None = Severity.VIOLATION) -> str:
    root = ET.Element("testsuites", name="comgraph validate")
    total = failures = skipped = 0
    by_shape = sorted(report.results, key=lambda r: (r.shape, str(r.focus)))
    seen_shapes = set()
    for shape, shape_results in groupby(by_shape, key=lambda r: r.shape):
        seen_shapes.add(shape)
        info = report.shapes.get(shape)
        suite = ET.SubElement(root, "testsuite", name=(info.name if info and info.name else compact(shape)))
        s_tests = s_fail = s_skip = 0
        for _focus, group in groupby(list(shape_results), key=lambda r: str(r.focus)):
            group = list(group)
            first = group[0]
            case = ET.SubElement(suite, "testcase", classname=shape, name=focus_text(first))
            s_tests += 1
            if all(r.waived_by is not None for r in group):
                ET.SubElement(case, "skipped", message=f"waived: {group[0].waived_by}")
                s_skip += 1
                continue
            failing = [r for r in group if r.active and fail_on is not None and r.severity >= fail_on]
            lines = [f"{r.severity.label}: {r.message}"
                     + (f" [path {path_display(r.path)}]" if r.path else "")
                     + (f" at {r.location}" if r.location else "") for r in group]
            if failing:
                worst = max(r.severity for r in failing)
                failure = ET.SubElement(case, "failure", message=failing[0].message, type=worst.label)
                failure.text = "\n".join(lines)
                s_fail += 1
            else:
                ET.SubElement(case, "system-out").text = "\n".join(lines)
        suite.set("tests", str(s_tests))
        suite.set("failures", str(s_fail))
        suite.set("skipped", str(s_skip))
        total, failures, skipped = total + s_tests, failures + s_fail, skipped + s_skip
    errors = 0
    failed = {f.shape.id for f in report.failed_shapes}
    if report.failed_shapes:
        broken = ET.SubElement(root, "testsuite", name="shapes that could not be checked")
        for f in report.failed_shapes:
            case = ET.SubElement(broken, "testcase", classname=f.shape.id,
                                 name=f.shape.name or compact(f.shape.id))
            error = ET.SubElement(case, "error", message=f.reason,
                                  type="QueryTimeout" if f.timed_out else "QueryError")
            error.text = f"{f.title}: {f.reason}"
        errors = len(report.failed_shapes)
        broken.set("tests", str(errors))
        broken.set("failures", "0")
        broken.set("errors", str(errors))
        total += errors
    # Shapes with no finding still show up, as one passing case each.
    passing = ET.SubElement(root, "testsuite", name="shapes without findings")
    count = 0
    for shape in sorted(set(report.shapes) - seen_shapes - failed):
        info = report.shapes[shape]
        ET.SubElement(passing, "testcase", classname=shape, name=info.name or compact(shape))
        count += 1
    passing.set("tests", str(count))
    passing.set("failures", "0")
    total += count
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    root.set("skipped", str(skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
