"""Reading catalogue exports that are JSON: DataHub's metadata file (what its ``file`` sink and
``datahub get`` write) and OpenMetadata's table listing (``GET /api/v1/tables?fields=owners``).

DataHub: a JSON array of metadata change proposals (``entityType``, ``entityUrn``,
``aspectName``, ``aspect`` as ``{"json": {...}}`` or ``{"value": "...", "contentType":
"application/json"}``) or of older ``proposedSnapshot`` events. A dataset is a
``urn:li:dataset:(urn:li:dataPlatform:PLATFORM,NAME,ENV)``; its name is ``datasetProperties.name``
(else NAME); its owners come from the ``ownership`` aspect, named by the ``corpGroupInfo`` or
``corpUserInfo`` of the owner's entity when the file has one. DATAOWNER and BUSINESS_OWNER are the
accountable kinds of ownership.

OpenMetadata: ``{"data": [table, ...]}``, a bare list of tables or one table; a table is known by
its ``fullyQualifiedName`` and ``id``, named by ``displayName`` (else ``name``), and owned by its
``owners`` (entity references to users and teams; the older single ``owner`` too).

Any value that is not what the format says is reported with its JSON path (``$[3].aspect.json
.owners[0].type``); a file that is not JSON, with its line and column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from comgraph.catalog.entries import CatalogEntry, CatalogOwner, CatalogReadError, Catalogue

DATASET_URN = re.compile(r"^urn:li:dataset:\(urn:li:dataPlatform:([^,()]+),([^()]+),([A-Z_]+)\)$")
#: DataHub's ownership types (com.linkedin.common.OwnershipType), current and deprecated.
OWNERSHIP_TYPES = ("TECHNICAL_OWNER", "BUSINESS_OWNER", "DATA_STEWARD", "NONE", "CUSTOM", "DATAOWNER",
                   "DEVELOPER", "DELEGATE", "PRODUCER", "CONSUMER", "STAKEHOLDER")
ACCOUNTABLE_TYPES = {"DATAOWNER", "BUSINESS_OWNER"}
_SNAPSHOT_ASPECTS = {
    "com.linkedin.pegasus2avro.common.Ownership": "ownership",
    "com.linkedin.pegasus2avro.dataset.DatasetProperties": "datasetProperties",
    "com.linkedin.pegasus2avro.identity.CorpGroupInfo": "corpGroupInfo",
    "com.linkedin.pegasus2avro.identity.CorpUserInfo": "corpUserInfo",
}


def load_json(source: str) -> Any:
    path = Path(source)
    if not path.is_file():
        raise CatalogReadError(source, "no such file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CatalogReadError(source, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CatalogReadError(f"{source}:{exc.lineno}:{exc.colno}", f"not JSON: {exc.msg}") from None


def looks_like_datahub(data: Any) -> bool:
    items = data if isinstance(data, list) else []
    return any(isinstance(i, dict) and ("entityUrn" in i or "proposedSnapshot" in i) for i in items)


def looks_like_openmetadata(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return True  # the API's list envelope ({"data": [...], "paging": {...}})
    tables = data.get("data") if isinstance(data, dict) and "data" in data else data
    tables = tables if isinstance(tables, list) else [tables]
    return any(isinstance(t, dict) and "fullyQualifiedName" in t for t in tables)


def _expect(value: Any, kind: type, where: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise CatalogReadError(where, f"expected {what}, not {type(value).__name__}")
    return value


# -- DataHub --------------------------------------------------------------------------------------


def read_datahub(source: str, data: Any | None = None) -> Catalogue:
    data = load_json(source) if data is None else data
    items = _expect(data, list, f"{source}:$", "a JSON array of DataHub metadata change proposals")
    aspects: dict[str, dict[str, tuple[str, dict]]] = {}
    order: list[str] = []
    for i, item in enumerate(items):
        path = f"$[{i}]"
        _expect(item, dict, f"{source}:{path}", "an object")
        for urn, name, aspect, where in _aspects_of(item, path, source):
            if urn.startswith("urn:li:dataset:") and urn not in order:
                if not DATASET_URN.match(urn):
                    raise CatalogReadError(f"{source}:{path}", f"{urn!r} is not a dataset URN such as "
                                           "urn:li:dataset:(urn:li:dataPlatform:snowflake,db.schema.table,PROD)")
                order.append(urn)
            aspects.setdefault(urn, {})[name] = (where, aspect)
    entries = []
    for urn in order:
        platform, name, _env = DATASET_URN.match(urn).groups()  # type: ignore[union-attr]
        props = aspects[urn].get("datasetProperties", ("", {}))[1]
        title = props.get("name") if isinstance(props.get("name"), str) else name.rsplit(".", 1)[-1]
        identifiers = {urn} | {v for k in ("qualifiedName", "externalUrl")
                               if isinstance(v := props.get(k), str)}
        where = aspects[urn].get("datasetProperties", ("$",))[0]
        entry = CatalogEntry(urn, title, identifiers, where=f"{source}:{where}")
        if "ownership" in aspects[urn]:
            where, ownership = aspects[urn]["ownership"]
            entry.owners = _datahub_owners(ownership, f"{source}:{where}", aspects)
        entries.append(entry)
    return Catalogue("datahub", source, entries, [source])


def _aspects_of(item: dict, path: str, source: str):
    if "proposedSnapshot" in item:
        snapshot = _expect(item["proposedSnapshot"], dict, f"{source}:{path}.proposedSnapshot", "an object")
        for kind, body in snapshot.items():
            where = f"{path}.proposedSnapshot[{json.dumps(kind)}]"
            body = _expect(body, dict, f"{source}:{where}", "a snapshot object")
            urn = _expect(body.get("urn"), str, f"{source}:{where}.urn", "the entity's URN")
            for j, aspect in enumerate(_expect(body.get("aspects", []), list, f"{source}:{where}.aspects",
                                               "a list of aspects")):
                aspect = _expect(aspect, dict, f"{source}:{where}.aspects[{j}]", "an aspect")
                for aspect_kind, value in aspect.items():
                    if aspect_kind in _SNAPSHOT_ASPECTS:
                        at = f"{where}.aspects[{j}][{json.dumps(aspect_kind)}]"
                        yield urn, _SNAPSHOT_ASPECTS[aspect_kind], _expect(value, dict, f"{source}:{at}",
                                                                            "an object"), at
        return
    urn = _expect(item.get("entityUrn"), str, f"{source}:{path}.entityUrn", "the entity's URN (a string)")
    name = item.get("aspectName")
    if name is None:
        return
    aspect = _expect(item.get("aspect"), dict, f"{source}:{path}.aspect", "the aspect (an object)")
    if "json" in aspect:
        yield urn, name, _expect(aspect["json"], dict, f"{source}:{path}.aspect.json", "an object"), \
            f"{path}.aspect.json"
    elif "value" in aspect:
        at = f"{path}.aspect.value"
        try:
            value = json.loads(_expect(aspect["value"], str, f"{source}:{at}", "serialised JSON"))
        except json.JSONDecodeError as exc:
            raise CatalogReadError(f"{source}:{at}", f"not JSON: {exc.msg}") from None
        yield urn, name, _expect(value, dict, f"{source}:{at}", "a JSON object"), at
    else:
        raise CatalogReadError(f"{source}:{path}.aspect", "expected \"json\" or \"value\" in the aspect")


def _datahub_owners(ownership: dict, where: str, aspects: dict) -> list[CatalogOwner]:
    owners = []
    for k, owner in enumerate(_expect(ownership.get("owners"), list, f"{where}.owners", "a list of owners")):
        at = f"{where}.owners[{k}]"
        _expect(owner, dict, at, "an owner object")
        urn = _expect(owner.get("owner"), str, f"{at}.owner", "the owner's URN")
        if not urn.startswith(("urn:li:corpuser:", "urn:li:corpGroup:")):
            raise CatalogReadError(f"{at}.owner", f"{urn!r} is not a user (urn:li:corpuser:…) or group "
                                                  "(urn:li:corpGroup:…) URN")
        kind = _expect(owner.get("type", "NONE"), str, f"{at}.type", "an ownership type")
        if kind not in OWNERSHIP_TYPES:
            raise CatalogReadError(f"{at}.type", f"{kind!r} is not a DataHub ownership type: expected one of "
                                                 + ", ".join(OWNERSHIP_TYPES))
        type_urn = owner.get("typeUrn") or ""
        accountable = kind in ACCOUNTABLE_TYPES or type_urn.endswith(("__system__business_owner",
                                                                      "__system__dataowner"))
        info = aspects.get(urn, {})
        profile = (info.get("corpGroupInfo") or info.get("corpUserInfo") or ("", {}))[1]
        name = profile.get("displayName") or profile.get("fullName") or urn.split(":", 3)[3]
        owners.append(CatalogOwner(name, urn, kind, accountable))
    return owners


# -- OpenMetadata ---------------------------------------------------------------------------------


def read_openmetadata(source: str, data: Any | None = None) -> Catalogue:
    data = load_json(source) if data is None else data
    if isinstance(data, dict) and "data" in data:
        tables, base = _expect(data["data"], list, f"{source}:$.data", "a list of tables"), "$.data"
    elif isinstance(data, list):
        tables, base = data, "$"
    else:
        what = "a table, a list of tables or {\"data\": [...]}"
        tables, base = [_expect(data, dict, f"{source}:$", what)], None
    entries = []
    for i, table in enumerate(tables):
        path = f"{base}[{i}]" if base else "$"
        _expect(table, dict, f"{source}:{path}", "a table object")
        fqn = _expect(table.get("fullyQualifiedName"), str, f"{source}:{path}.fullyQualifiedName",
                      "the table's fully qualified name (service.database.schema.table)")
        name = table.get("displayName") or table.get("name") or fqn.rsplit(".", 1)[-1]
        identifiers = {fqn} | {v for k in ("id", "href", "sourceUrl") if isinstance(v := table.get(k), str)}
        entry = CatalogEntry(fqn, _expect(name, str, f"{source}:{path}.displayName", "a name"), identifiers,
                             where=f"{source}:{path}")
        refs = table.get("owners")
        key = "owners"
        if refs is None and table.get("owner") is not None:
            refs, key = [table["owner"]], "owner"
        for k, ref in enumerate(_expect(refs or [], list, f"{source}:{path}.owners", "a list of owners")):
            at = f"{source}:{path}.{key}" + (f"[{k}]" if key == "owners" else "")
            _expect(ref, dict, at, "an entity reference")
            kind = _expect(ref.get("type"), str, f"{at}.type", "the owner's type (user or team)")
            if kind not in ("user", "team"):
                raise CatalogReadError(f"{at}.type", f"{kind!r}: an owner is a user or a team")
            ref_name = ref.get("displayName") or ref.get("name")
            _expect(ref_name, str, f"{at}.name", "the owner's name")
            owner_id = ref.get("fullyQualifiedName") or ref.get("name")
            ref_id = f"{kind}:{owner_id}" if owner_id else None
            entry.owners.append(CatalogOwner(ref_name, ref_id, kind, True))
        entries.append(entry)
    return Catalogue("openmetadata", source, entries, [source])
