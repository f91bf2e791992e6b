#!/usr/bin/env python3
"""Checks recorded sandbox exchanges against the upstreams' published specs.

The sandbox (``gatehouse-sandbox --record-exchanges FILE`` or ``GATEHOUSE_SANDBOX_EXCHANGES=FILE``)
appends one JSON line per request it answered, plus one ``{"routes": [...]}`` line per start listing
every route its routers serve. This script fails when:

* a route the sandbox serves, or a path a client called, is not in the upstream's spec;
* a request the sandbox accepted (2xx) breaks the spec (parameters, body schema);
* a response breaks the spec (undocumented 2xx status, missing or mistyped fields, unknown fields
  where a Google discovery schema lists them all);
* a route the sandbox serves was never exercised with a successful, checked exchange.

Specs: Backstage and Looker are OpenAPI 3 files validated with ``openapi-core``; Dataproc, STS and
IAM Credentials are Google discovery documents whose schemas are turned into JSON Schema and
validated with ``jsonschema``. The OIDC provider has no published spec file: its contract is
``oidc-provider.openapi.yaml`` here, written from the RFCs summarised in the contracts NOTES (§5); nor
has Cloud Storage (driver output): ``google-storage-objects.v1.json`` here is the part of its discovery
document the sandbox serves (objects.list, objects.get).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import parse_qsl

import jsonschema
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound, ServerNotFound
from openapi_core.testing import MockRequest, MockResponse

HERE = Path(__file__).resolve().parent
HOST = "http://sandbox"


@dataclass
class Exchange:
    """One recorded request and answer (see RecordedExchange in GatehouseTesting)."""

    upstream: str
    method: str
    path: str
    query: str = ""
    route: str | None = None
    requestContentType: str | None = None
    authorizationScheme: str | None = None
    requestBody: str = ""
    status: int | None = None
    responseContentType: str | None = None
    responseBody: str = ""
    responseTruncated: bool = False
    fault: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Exchange":
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def ok(self) -> bool:
        """Answered with success: 2xx, or a redirect (the OIDC code grant answers 302)."""
        return self.status is not None and 200 <= self.status < 400

    @property
    def label(self) -> str:
        return f"{self.upstream} {self.method} {self.route or self.path} -> {self.status}"


class RouteNotInSpec(Exception):
    """The method and path match no operation of the spec."""


# MARK: OpenAPI 3 (Backstage, Looker, OIDC)


def _any_type_as_empty(node):
    if isinstance(node, dict):
        if node.get("type") == "any":
            return {key: value for key, value in node.items() if key not in ("type", "format")}
        return {key: _any_type_as_empty(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_any_type_as_empty(value) for value in node]
    return node


class OpenAPIContract:
    """An OpenAPI 3 document whose paths sit under ``base_path`` on the sandbox."""

    def __init__(self, spec: dict, base_path: str):
        # Looker's spec writes "any value" as `type: any` (e.g. Query.vis_config's members), which is not
        # an OpenAPI type: read it as the empty schema, which is what it means.
        spec = _any_type_as_empty(dict(spec))
        spec["servers"] = [{"url": HOST + base_path}]
        self.base_path = base_path
        # The saved Looker spec fails the OpenAPI schema in an operation Gatehouse never calls
        # (`style: simple` on a query parameter of /query_tasks/multi_results); validating the
        # exchanges does not need the document itself to be flawless.
        self.openapi = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))

    @staticmethod
    def _request(ex: Exchange) -> MockRequest:
        args: dict[str, list[str]] = defaultdict(list)
        for name, value in parse_qsl(ex.query, keep_blank_values=True):
            args[name].append(value)
        headers = {}
        if ex.authorizationScheme:
            headers["Authorization"] = f"{ex.authorizationScheme.capitalize()} REDACTED"
        content_type = (ex.requestContentType or "application/json").split(";")[0].strip()
        if ex.requestContentType:
            headers["Content-Type"] = ex.requestContentType
        return MockRequest(
            HOST, ex.method.lower(), ex.path, args=dict(args), headers=headers,
            data=ex.requestBody.encode() if ex.requestBody else None, content_type=content_type)

    @staticmethod
    def _not_found(errors: list) -> bool:
        return any(isinstance(error, (PathNotFound, OperationNotFound, ServerNotFound)) for error in errors)

    def knows(self, method: str, path: str) -> bool:
        errors = list(self.openapi.iter_request_errors(MockRequest(HOST, method.lower(), path)))
        return not self._not_found(errors)

    def _documented_responses(self, ex: Exchange) -> dict[str, dict[str, str | None]] | None:
        """Status -> media type -> the schema's `type`, of the operation; None when not found."""
        try:
            found = APICallPathFinder(self.openapi.spec).find(ex.method.lower(), HOST + ex.path)
        except (PathNotFound, OperationNotFound, ServerNotFound):
            return None
        responses = found.operation / "responses"
        documented: dict[str, dict[str, str | None]] = {}
        for status in responses.keys():
            content = responses / status / "content"
            media: dict[str, str | None] = {}
            if content.exists():
                for media_type in content.keys():
                    schema = content / media_type / "schema"
                    media[media_type] = schema.read_value().get("type") if schema.exists() else None
            documented[str(status)] = media
        return documented

    def check(self, ex: Exchange) -> list[str]:
        request = self._request(ex)
        problems: list[str] = []
        request_errors = list(self.openapi.iter_request_errors(request))
        if self._not_found(request_errors):
            raise RouteNotInSpec(f"{ex.method} {ex.path}")
        if ex.ok:
            problems += [f"request: {describe(error)}" for error in request_errors if not is_security_error(error)]
        documented = self._documented_responses(ex)
        if ex.status == 204 and not ex.responseBody:
            # HTTP forbids a 204 body (RFC 9110 §15.3.5), whatever schema the spec gives it.
            if documented is not None and "204" not in documented:
                problems.append("response: status 204 is not documented")
            return problems
        response_type = (ex.responseContentType or "application/json").split(";")[0].strip()
        if documented is not None:
            content = documented.get(str(ex.status), documented.get("default", {}))
            if response_type not in content and response_type.startswith("text/") and "text" in content:
                response_type = "text"  # Looker's spec names its text results by the bare word "text"
            if content.get(response_type) == "string":
                # A string schema means the raw result text (Looker run_query in json, csv, …):
                # any body of a documented status and media type satisfies it.
                return problems
        response = MockResponse(
            ex.responseBody.encode(), status_code=ex.status,
            headers={"Content-Type": response_type}, content_type=response_type)
        partial = asks_for_fields(ex)
        for error in self.openapi.iter_response_errors(request, response):
            if is_security_error(error):
                continue
            if not ex.ok and type(error).__name__ == "ResponseNotFound":
                continue  # an error status the spec does not list for this operation
            if partial and schema_errors(error) and all(e.validator == "required" for e in schema_errors(error)):
                continue  # a `fields` projection answers partial objects, as the parameter documents
            problems.append(f"response: {describe(error)}")
        return problems


def is_security_error(error: Exception) -> bool:
    # Credentials are never recorded (only their scheme), so security checks cannot be judged.
    return "Security" in type(error).__name__


def schema_errors(error: Exception) -> list:
    """The JSON-schema errors behind an openapi-core error, if it carries any."""
    return list(getattr(error, "schema_errors", None) or getattr(getattr(error, "__cause__", None), "schema_errors", None) or [])


def asks_for_fields(ex: Exchange) -> bool:
    """True when the request asked for a partial response (`fields` in the query or body)."""
    if any(name == "fields" for name, _ in parse_qsl(ex.query)):
        return True
    try:
        return isinstance(json.loads(ex.requestBody or "null"), dict) and "fields" in json.loads(ex.requestBody)
    except ValueError:
        return False


def describe(error: Exception) -> str:
    details = schema_errors(error)
    text = f"{type(error).__name__}: {error}"
    if details:
        text += " [" + "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in details) + "]"
    cause = error.__cause__
    if cause is not None and not details:
        text += f" ({type(cause).__name__}: {cause})"
    return text[:600]


# MARK: Google discovery documents (Dataproc, STS, IAM Credentials)

STANDARD_QUERY = {"alt", "fields", "key", "prettyPrint", "quotaUser", "$.xgafv", "access_token", "callback", "uploadType", "upload_protocol"}
GOOGLE_ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "status"], "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "string"}, "details": {"type": "array"}}}},
}
OAUTH_ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}, "error_uri": {"type": "string"}},
}
DURATION = r"^-?[0-9]+(\.[0-9]{1,9})?s$"
TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"


def discovery_to_json_schema(schema: dict, *, lenient: bool) -> dict:
    """A discovery schema as JSON Schema. Objects with listed properties admit no others (Google
    rejects unknown fields); ``lenient`` (requests) also admits numbers sent as strings, as Google's
    JSON parser does."""
    if "$ref" in schema:
        return {"$ref": f"#/$defs/{schema['$ref']}"}
    kind = schema.get("type")
    if kind == "object":
        out: dict = {"type": "object"}
        if "properties" in schema:
            out["properties"] = {name: discovery_to_json_schema(member, lenient=lenient) for name, member in schema["properties"].items()}
            out["additionalProperties"] = False
        if "additionalProperties" in schema:
            out["additionalProperties"] = discovery_to_json_schema(schema["additionalProperties"], lenient=lenient)
        return out
    if kind == "array":
        return {"type": "array", "items": discovery_to_json_schema(schema.get("items", {}), lenient=lenient)}
    if kind == "string":
        out = {"type": "string"}
        if "enum" in schema:
            out["enum"] = schema["enum"]
            if lenient:  # proto3 JSON: an enum may be sent as its number (Google's clients do)
                return {"anyOf": [out, {"type": "integer", "minimum": 0}]}
        fmt = schema.get("format")
        if fmt == "google-duration":
            out["pattern"] = DURATION
        elif fmt == "google-datetime":
            out["pattern"] = TIMESTAMP
        elif fmt in ("int64", "uint64"):
            out = {"anyOf": [{"type": "string", "pattern": r"^-?[0-9]+$"}, {"type": "integer"}]} if lenient else {"type": "string", "pattern": r"^-?[0-9]+$"}
        return out
    if kind in ("integer", "number"):
        return {"anyOf": [{"type": kind}, {"type": "string", "pattern": r"^-?[0-9.]+$"}]} if lenient else {"type": kind}
    if kind == "boolean":
        return {"type": "boolean"}
    return {}


def proto_names_to_json(value):
    """`value` with every object member named in lowerCamelCase, as Google's JSON mapping reads proto field names."""
    if isinstance(value, dict):
        return {snake_to_camel(name): proto_names_to_json(member) for name, member in value.items()}
    if isinstance(value, list):
        return [proto_names_to_json(member) for member in value]
    return value


def snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass
class DiscoveryMethod:
    http_method: str
    pattern: re.Pattern
    method: dict
    name: str


class DiscoveryContract:
    """A Google discovery document; ``form_requests`` accepts form-encoded snake_case bodies for
    JSON camelCase request schemas (STS, which the google-auth libraries call with RFC 8693 forms),
    and ``error_schema`` is the error shape the service answers with."""

    def __init__(self, document: dict, *, form_requests: bool = False, error_schema: dict = GOOGLE_ERROR):
        self.form_requests = form_requests
        self.error_schema = error_schema
        self.methods: list[DiscoveryMethod] = []
        self.service_path = document.get("servicePath", "")  # method paths are relative to it (storage/v1/)
        self._walk(document, "")
        # The system parameters every method takes, as the document lists them (`alt`, `fields`, …).
        self.system_parameters = set(document.get("parameters", {})) or STANDARD_QUERY
        strict_defs = {name: discovery_to_json_schema(s, lenient=False) for name, s in document.get("schemas", {}).items()}
        lenient_defs = {name: discovery_to_json_schema(s, lenient=True) for name, s in document.get("schemas", {}).items()}
        self.strict_defs, self.lenient_defs = strict_defs, lenient_defs

    def _walk(self, node: dict, prefix: str) -> None:
        for name, method in node.get("methods", {}).items():
            template = self.service_path + (method.get("flatPath") or method["path"])
            regex = "^/" + re.sub(r"\{[^}]+\}", "[^/:]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
            self.methods.append(DiscoveryMethod(method["httpMethod"], re.compile(regex), method, prefix + name))
            if method.get("useMediaDownloadService"):  # content also comes from rootUrl + "download/" + servicePath + path
                self.methods.append(DiscoveryMethod(method["httpMethod"], re.compile("^/download" + regex[1:]), method, prefix + name))
            simple_upload = method.get("mediaUpload", {}).get("protocols", {}).get("simple", {}).get("path")
            if simple_upload:  # the upload service: an absolute path whose body is the object's content
                upload = "^" + re.sub(r"\{[^}]+\}", "[^/:]+", re.escape(simple_upload).replace(r"\{", "{").replace(r"\}", "}")) + "$"
                self.methods.append(DiscoveryMethod(method["httpMethod"], re.compile(upload), method, prefix + name))
        for name, child in node.get("resources", {}).items():
            self._walk(child, prefix + name + ".")

    def find(self, method: str, path: str) -> DiscoveryMethod | None:
        return next((m for m in self.methods if m.http_method == method.upper() and m.pattern.match(path)), None)

    def knows(self, method: str, path: str) -> bool:
        return self.find(method, path) is not None

    def _validate(self, value, ref: str, defs: dict) -> list[str]:
        schema = {"$ref": f"#/$defs/{ref}", "$defs": defs}
        validator = jsonschema.Draft202012Validator(schema)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(value)][:5]

    def check(self, ex: Exchange) -> list[str]:
        found = self.find(ex.method, ex.path)
        if found is None:
            raise RouteNotInSpec(f"{ex.method} {ex.path}")
        problems: list[str] = []
        if ex.ok:
            problems += self._check_request(ex, found)
            problems += self._check_response(ex, found)
        else:
            problems += self._check_error(ex)
        return problems

    def _check_request(self, ex: Exchange, found: DiscoveryMethod) -> list[str]:
        problems = []
        parameters = {n: p for n, p in found.method.get("parameters", {}).items() if p.get("location") == "query"}
        seen = Counter()
        for name, value in parse_qsl(ex.query, keep_blank_values=True):
            seen[name] += 1
            # Google also takes a system parameter behind a `$` (`$alt=json;enum-encoding=int`).
            if name in self.system_parameters or name.startswith("$") and name[1:] in self.system_parameters:
                continue
            parameter = parameters.get(name)
            if parameter is None:
                problems.append(f"request: query parameter '{name}' is not a parameter of {found.name}")
                continue
            if seen[name] > 1 and not parameter.get("repeated"):
                problems.append(f"request: query parameter '{name}' repeated")
            kind = parameter.get("type")
            if kind == "integer" and not re.fullmatch(r"-?[0-9]+", value) or kind == "boolean" and value not in ("true", "false"):
                problems.append(f"request: query parameter '{name}'='{value}' is not {kind}")
            if "enum" in parameter and value not in parameter["enum"] and not (value.isdigit() and int(value) < len(parameter["enum"])):
                problems.append(f"request: query parameter '{name}'='{value}' is not one of {parameter['enum']}")
        for name, parameter in parameters.items():
            if parameter.get("required") and name not in seen:
                problems.append(f"request: required query parameter '{name}' missing")
        request_ref = found.method.get("request", {}).get("$ref")
        media_upload = ex.path.startswith("/upload/") and ("uploadType", "media") in parse_qsl(ex.query)
        if request_ref and ex.requestBody and not media_upload:  # a media upload's body is the content, not the resource
            body = self._request_body(ex)
            if body is None:
                problems.append("request: body is not JSON" + (" or a form" if self.form_requests else ""))
            else:
                problems += [f"request: {p}" for p in self._validate(body, request_ref, self.lenient_defs)]
        return problems

    def _request_body(self, ex: Exchange):
        if self.form_requests and "x-www-form-urlencoded" in (ex.requestContentType or ""):
            return {snake_to_camel(name): value for name, value in parse_qsl(ex.requestBody, keep_blank_values=True)}
        try:
            # Google's JSON mapping of protos also takes each field's proto name (`request_id` for
            # `requestId`), as google-cloud-dataproc's REST transport may send it.
            return proto_names_to_json(json.loads(ex.requestBody))
        except ValueError:
            return None

    def _check_response(self, ex: Exchange, found: DiscoveryMethod) -> list[str]:
        if ex.status != 200:
            return [f"response: status {ex.status} is not the 200 a discovery method answers with"]
        if found.method.get("supportsMediaDownload") and ("alt", "media") in parse_qsl(ex.query.replace("$alt=", "alt=")):
            return []  # the object's bytes, not its JSON resource
        try:
            body = json.loads(ex.responseBody or "{}")
        except ValueError:
            return ["response: body is not JSON"]
        response_ref = found.method.get("response", {}).get("$ref")
        if response_ref is None:
            return [] if body == {} else ["response: the method answers an empty body"]
        return [f"response: {p}" for p in self._validate(body, response_ref, self.strict_defs)]

    def _check_error(self, ex: Exchange) -> list[str]:
        try:
            body = json.loads(ex.responseBody)
        except ValueError:
            return ["response: error body is not JSON"]
        validator = jsonschema.Draft202012Validator(self.error_schema)
        return [f"response: error shape: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(body)][:3]


# MARK: the contracts of every upstream


def load_contracts(contracts_dir: Path) -> dict[str, object]:
    """The contract of each sandbox upstream, from the spec files."""
    def load(name: str):
        text = (contracts_dir / name).read_text()
        return yaml.safe_load(text) if name.endswith((".yaml", ".yml")) else json.loads(text)

    return {
        "backstage": OpenAPIContract(load("backstage-catalog-openapi.yaml"), "/api/catalog"),
        "looker": OpenAPIContract(load("Looker.4.0.oas.json"), "/api/4.0"),
        "dataproc": DiscoveryContract(load("google-dataproc.v1.json")),
        "sts": DiscoveryContract(load("google-sts.v1.json"), form_requests=True, error_schema=OAUTH_ERROR),
        "iamcredentials": DiscoveryContract(load("google-iamcredentials.v1.json")),
        "oidc": OpenAPIContract(yaml.safe_load((HERE / "oidc-provider.openapi.yaml").read_text()), ""),
        # No Cloud Storage spec is among the published contracts: a subset of its discovery document, kept here.
        "storage": DiscoveryContract(json.loads((HERE / "google-storage-objects.v1.json").read_text())),
    }


def sample_path(template: str) -> str:
    """A concrete path for a router template (`{name}` segments filled in)."""
    return re.sub(r"\{[^}]+\}", "x1", template)


@dataclass
class Report:
    checked: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)


# Routes real upstreams serve outside their published spec, each with why the sandbox has it.
OUTSIDE_SPEC = {
    # looker-sdk's auth.logout() calls Looker's unversioned logout; the 4.0 spec lists only /api/4.0/logout.
    ("looker", "DELETE", "/api/logout"),
}


def check(lines: Iterable[dict], contracts: dict[str, object]) -> Report:
    """Checks exchanges and route listings; returns what failed."""
    report = Report()
    routes: set[tuple[str, str, str]] = set()
    covered: set[tuple[str, str, str]] = set()
    listed = False
    for line in lines:
        if "routes" in line:
            listed = True
            routes |= {(r["upstream"], r["method"], r["path"]) for r in line["routes"] if r["upstream"] != "admin"}
            continue
        ex = Exchange.from_json(line)
        contract = contracts.get(ex.upstream)
        if contract is None:
            continue  # the admin API is the sandbox's own
        if ex.fault or ex.status is None or ex.responseTruncated:
            report.skipped[ex.upstream] += 1
            continue
        try:
            problems = contract.check(ex)
        except RouteNotInSpec as missing:
            report.fail(f"{ex.label}: route not in the {ex.upstream} spec ({missing})")
            continue
        report.checked[ex.upstream] += 1
        report.failures += [f"{ex.label}: {problem}" for problem in problems]
        if ex.ok and not problems and ex.route:
            covered.add((ex.upstream, ex.method, ex.route))
    for upstream, method, path in sorted(routes):
        if (upstream, method, path) in OUTSIDE_SPEC:
            continue
        if not contracts[upstream].knows(method, sample_path(path)):
            report.fail(f"{upstream} {method} {path}: the sandbox serves a route that is not in the spec")
        elif (upstream, method, path) not in covered:
            report.fail(f"{upstream} {method} {path}: served but never exercised by a successful, spec-conforming exchange")
    if not listed:
        report.fail("no route listing found: was the file written by a sandbox with recording on?")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("exchanges", type=Path, help="JSON Lines file the sandbox recorded")
    parser.add_argument("--contracts", type=Path, required=True,
                        help="directory of the published spec files (scripts/test.sh passes it)")
    args = parser.parse_args(argv)
    lines = [json.loads(text) for text in args.exchanges.read_text().splitlines() if text.strip()]
    report = check(lines, load_contracts(args.contracts))
    for upstream in sorted(set(report.checked) | set(report.skipped)):
        print(f"{upstream}: {report.checked[upstream]} exchanges checked, {report.skipped[upstream]} skipped (faults)")
    distinct = Counter(report.failures)
    for message, count in distinct.most_common():
        print(f"FAIL {message}" + (f" (x{count})" if count > 1 else ""))
    print(f"contract check: {sum(report.checked.values())} exchanges, {len(distinct)} distinct failures")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
