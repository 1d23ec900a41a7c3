"""``comgraph import odcs``: an Open Data Contract Standard (v3) contract becomes governance
data: team members with their roles and dates become role tenures (the history of who held
which role), ``slaProperties`` become performance targets on the metrics they name, the
dataset becomes an asset owned by the contract's team, and ``price`` a billing arrangement.

The contract is checked first against the standard's own JSON schema and Pydantic model (the
``open-data-contract-standard`` package); every error names its YAML path and line. ODCS's
``dateOut`` is the first day a member is out (the successor's ``dateIn``); comgraph's end dates
are inclusive, so a tenure ends the day before.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import yaml

from comgraph.importers.common import clean, mint, term
from comgraph.importers.parties import (
    Parties,
    imported_from,
    new_relationship,
    pick_relationship,
    relationship_dates,
)
from comgraph.importers.problems import ImportFailed, Problem, Problems
from comgraph.importers.writing import GraphBuilder, decimal, import_graph
from comgraph.store import Store

#: Data QoS properties (ODCS's list, with its two-letter synonyms) and which way is good.
_AT_MOST = ("latency", "ly", "timetodetect", "td", "timetonotify", "tn", "timetorepair", "tr",
            "errorrate", "er", "frequency", "fy")
_AT_LEAST = ("availability", "av", "throughput", "th", "retention", "re")
_UNITS = {"d": "days", "day": "days", "days": "days", "h": "hours", "hr": "hours", "hour": "hours",
          "hours": "hours", "%": "percent", "percent": "percent", "pct": "percent"}


class _Loader(yaml.SafeLoader):
    """YAML as ODCS means it: ``dateIn: 2022-10-01`` is the string the model expects, not a
    date object."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


@dataclass
class ContractImport:
    builder: GraphBuilder
    graph: ox.NamedNode
    relationship: ox.NamedNode
    tenures: int = 0
    targets: int = 0
    notes: list[str] = field(default_factory=list)


def yaml_path(parts) -> str:
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (("." if text else "") + str(p))
    return text or "(the document)"


def _node_at(root: yaml.Node, parts) -> yaml.Node:
    """The YAML node at a path, or the deepest one found (for its line)."""
    node = root
    for p in parts:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == p), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(p, int) and p < len(node.value):
            nxt = node.value[p]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
    return node


class _Located:
    def __init__(self, root: yaml.Node, problems: Problems):
        self.root = root
        self.problems = problems

    def where(self, parts) -> str:
        mark = _node_at(self.root, list(parts)).start_mark
        return f"{mark.line + 1}:{mark.column + 1}: {yaml_path(parts)}"

    def line(self, parts) -> int:
        return _node_at(self.root, list(parts)).start_mark.line + 1

    def add(self, parts, message: str) -> None:
        self.problems.add(self.where(parts), message)


def load_contract(path: str | Path):
    """Parse and check a contract: (the data, its YAML node tree); ImportFailed otherwise."""
    import jsonschema
    import pydantic
    from open_data_contract_standard.model import OpenDataContractStandard

    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportFailed(name, [Problem("", f"no such file: {path}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(name, [Problem("", f"cannot read the file: {exc}")]) from None
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ImportFailed(name, [Problem(where, f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(name, [Problem("", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict) or root is None:
        raise ImportFailed(name, [Problem("1:1: (the document)", "expected an ODCS contract: a mapping with "
                                          "apiVersion, kind, id, version")])
    problems = Problems(name)
    at = _Located(root, problems)
    # The schema the package ships (read directly: its json_schema() uses a deprecated API).
    schema = json.loads(resources.files("open_data_contract_standard").joinpath("schema.json")
                        .read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    seen: set[str] = set()
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        parts = list(error.absolute_path)
        key = yaml_path(parts)
        if key in seen:
            continue
        seen.add(key)
        message = error.message if len(error.message) < 200 else error.message[:197] + "..."
        at.add(parts, f"{message} (ODCS JSON schema)")
    try:
        OpenDataContractStandard.model_validate(data)
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            parts = [p for p in err["loc"] if not (isinstance(p, str) and p in ("list[TeamMember]", "Team"))]
            if yaml_path(parts) not in seen:
                seen.add(yaml_path(parts))
                at.add(parts, f"{err['msg']} (ODCS model)")
    problems.raise_if_any()
    return data, root


def _date(value, parts, at: _Located) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        at.add(parts, f"{value!r} is not a date: expected YYYY-MM-DD")
        return None


def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def read_contract(file: str | Path, store: Store | None,
                  relationship_iri: str | None = None) -> ContractImport:
    data, root = load_contract(file)
    name = Path(file).name
    problems = Problems(name)
    at = _Located(root, problems)
    relationship, create = pick_relationship(store, relationship_iri, str(file))
    create = create or imported_from(store, relationship, name)
    start, _ = relationship_dates(store, relationship)
    builder = GraphBuilder(name)
    result = ContractImport(builder, import_graph(relationship, "odcs", name), relationship)
    title = clean(data.get("name") or data.get("id"))
    if create:
        new_relationship(builder, relationship, title, start, "id")
    parties = Parties(store, relationship, builder, start, create)

    team = data.get("team")
    members, team_path = (team.get("members") or [], ["team", "members"]) if isinstance(team, dict) \
        else (team or [], ["team"])
    team_name = clean(team.get("name")) if isinstance(team, dict) and team.get("name") else None
    owner_name = team_name or (clean(data["domain"]) if data.get("domain") else None)
    owner = parties.resolve(owner_name, at.where(["team", "name"] if team_name else ["domain"]), problems) \
        if owner_name else None
    if owner is None and not problems:
        result.notes.append("the contract names no team (team.name) or domain: the dataset has no owner "
                            "and the tenures are held on nobody's behalf")

    for i, member in enumerate(members):
        parts = [*team_path, i]
        who = member.get("name") or member.get("username")
        role = member.get("role")
        if not who:
            at.add(parts, "a team member without username or name: expected who holds the role")
            continue
        if not role:
            at.add([*parts], "a team member without a role: expected the role they hold, such as Data Owner")
            continue
        date_in = _date(member.get("dateIn"), [*parts, "dateIn"], at)
        date_out = _date(member.get("dateOut"), [*parts, "dateOut"], at)
        if date_in and date_out and date_out < date_in:
            at.add([*parts, "dateOut"],
                   f"dateOut {date_out} is before dateIn {date_in}: expected a later date")
            continue
        role_node = mint(relationship, "role", role)
        builder.types(role_node, "cg:Role", "org:Role")
        builder.label(role_node, clean(role))
        builder.add(role_node, term("cg:process"), term("cgp:integration"))
        person = mint(relationship, "person", member.get("username") or who)
        builder.types(person, "prov:Person", "prov:Agent")
        builder.label(person, clean(who))
        tenure = mint(relationship, "tenure", role, member.get("username") or who, str(date_in or "open"))
        builder.types(tenure, "cg:RoleTenure")
        builder.label(tenure, f"{clean(role)}: {clean(who)}")
        builder.add(tenure, term("cg:ofRole"), role_node)
        builder.add(tenure, term("cg:holder"), person)
        if owner is not None:
            builder.add(tenure, term("cg:onBehalfOf"), owner)
        if date_in:
            builder.literal(tenure, "cg:startDate", date_in)
        if date_out:
            builder.literal(tenure, "cg:endDate", max(date_out - timedelta(days=1), date_in or date_out))
        if member.get("description"):
            builder.literal(tenure, "skos:scopeNote", clean(member["description"]))
        builder.source(tenure, yaml_path(parts), at.line(parts))
        result.tenures += 1

    for i, sla in enumerate(data.get("slaProperties") or []):
        parts = ["slaProperties", i]
        prop = str(sla.get("property") or "")
        key = re.sub(r"[^a-z]", "", prop.lower())
        operator = "cgop:atMost" if key in _AT_MOST else "cgop:atLeast" if key in _AT_LEAST else None
        value = _number(sla.get("value"))
        if operator is None or value is None:
            result.notes.append(f"{yaml_path(parts)} ({prop} {sla.get('value')!r}) is not a measurable "
                                "target; left out")
            continue
        element = sla.get("element")
        metric_label = f"{prop} of {element}" if element else prop
        metric = mint(relationship, "metric", prop, *([element] if element else []))
        builder.types(metric, "dqv:Metric")
        builder.label(metric, metric_label)
        builder.add(metric, term("dqv:inDimension"), term("cgac:priceAndService"))
        if sla.get("description"):
            builder.literal(metric, "skos:definition", clean(sla["description"]))
        target = mint(relationship, "target", prop, *([element] if element else []))
        builder.types(target, "cg:Target")
        unit_text = str(sla.get("unit") or "").strip()
        unit = _UNITS.get(unit_text.lower())
        builder.label(target, f"{metric_label}: {'at most' if operator.endswith('atMost') else 'at least'} "
                              f"{value}{' ' + unit_text if unit_text else ''}")
        builder.add(target, term("cg:process"), term("cgp:audit"))
        builder.add(target, term("cg:metric"), metric)
        builder.add(target, term("cg:operator"), term(operator))
        builder.add(target, term("cg:threshold"), decimal(value))
        if unit:
            builder.add(target, term("cg:unit"), term("cgunit:" + unit))
        elif unit_text:
            result.notes.append(f"{yaml_path([*parts, 'unit'])}: unit {unit_text!r} has no comgraph unit "
                                "(days, hours, percent); the target has none")
        if owner is not None:
            builder.add(target, term("cg:appliesTo"), owner)
        builder.source(target, yaml_path(parts), at.line(parts))
        result.targets += 1

    asset = mint(relationship, "asset", str(data.get("id")))
    builder.types(asset, "cg:Asset", "odrl:Asset", "dcat:Dataset", "dcat:Resource")
    builder.label(asset, title)
    builder.literal(asset, "dcterms:title", title)
    description = data.get("description")
    if isinstance(description, dict) and description.get("purpose"):
        builder.literal(asset, "skos:definition", clean(description["purpose"]))
    builder.source(asset, "id", at.line(["id"]))
    created = _date(str(data["contractCreatedTs"])[:10], ["contractCreatedTs"], at) \
        if data.get("contractCreatedTs") else None
    if owner is not None:
        ownership = mint(relationship, "ownership", str(data.get("id")), owner_name)
        builder.types(ownership, "cg:Ownership")
        builder.label(ownership, f"{owner_name} owns {title}")
        builder.add(ownership, term("cg:ownedAsset"), asset)
        builder.add(ownership, term("cg:owner"), owner)
        builder.add(ownership, term("cg:share"), decimal(1))
        if created or start:
            builder.literal(ownership, "cg:startDate", created or start)
        builder.source(ownership, "team.name" if team_name else "domain",
                       at.line(["team", "name"] if team_name else ["domain"]))

    price = data.get("price")
    if isinstance(price, dict) and price.get("priceAmount") is not None:
        amount = _number(price["priceAmount"])
        arrangement = mint(relationship, "price", str(data.get("id")))
        builder.types(arrangement, "cg:BillingArrangement", "cg:Arrangement")
        unit = clean(price.get("priceUnit")) if price.get("priceUnit") else None
        currency = clean(price.get("priceCurrency")) if price.get("priceCurrency") else None
        builder.label(arrangement, f"Price of {title}: {amount} {currency or ''}"
                                   f"{' per ' + unit if unit else ''}".replace("  ", " "))
        builder.add(arrangement, term("cg:process"), term("cgp:equity"))
        builder.add(arrangement, term("cg:pricingModel"), term("cgpm:unitPrice" if unit else "cgpm:fixedFee"))
        builder.add(arrangement, term("cg:amount"), decimal(amount))
        if currency:
            builder.literal(arrangement, "cg:currency", currency)
        if unit:
            builder.literal(arrangement, "skos:scopeNote", f"Per {unit}.")
        if owner is not None:
            builder.add(arrangement, term("cg:payee"), owner)
        builder.source(arrangement, "price", at.line(["price"]))
    problems.raise_if_any()
    return result
