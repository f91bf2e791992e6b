#!/usr/bin/env python3
"""Checks the daemon's OpenRPC document (rpc.discover) and the answers recorded during the test suite.

    check.py DOCUMENT METHODS [ANSWERS.jsonl]

DOCUMENT is the rpc.discover result, METHODS the system.methods result (JSON files); ANSWERS holds one
{method, result | error} per line, as the daemon writes them with GATEHOUSE_RECORD_ANSWERS_FILE.

1. The document is an OpenRPC 1.x document: it parses as the specification's objects (the `openrpc`
   package's models; the official meta-schema JSON is published on npm only, which this project's
   machines cannot reach), every params, result and notification schema is a valid JSON Schema
   (draft 7), and every error carries a data.reason.
2. It describes every method the daemon serves, each with a result schema that says something.
3. Every recorded answer is valid against its method's result schema. Error answers whose
   (code, reason) the document does not list are reported, not failed.
Exit 1 on any failure of 1-3, listing each.
"""
from __future__ import annotations

import collections
import json
import sys

import jsonschema
import openrpc


def main() -> int:
    document = json.load(open(sys.argv[1]))
    served = {method["name"] for method in json.load(open(sys.argv[2]))}
    failures: list[str] = []

    if not document.get("openrpc", "").startswith("1."):
        failures.append(f"openrpc version {document.get('openrpc')!r} is not 1.x")
    try:
        openrpc.OpenRPC.model_validate(document)
        for notification in document.get("x-notifications", []):
            openrpc.Method.model_validate({**notification, "result": {"name": "none", "schema": {}}})
    except Exception as error:  # pydantic's ValidationError lists every problem
        failures.append(f"not an OpenRPC document: {error}")

    methods = {method["name"]: method for method in document.get("methods", [])}
    for name in sorted(served - set(methods)):
        failures.append(f"{name}: served but not in rpc.discover")
    for name in sorted(set(methods) - served):
        failures.append(f"{name}: in rpc.discover but not served")
    for name, method in sorted(methods.items()):
        schemas = [("result", method.get("result", {}).get("schema"))] + [(f"param {p['name']}", p["schema"]) for p in method["params"]]
        for where, schema in schemas:
            try:
                jsonschema.Draft7Validator.check_schema(schema)
            except jsonschema.SchemaError as error:
                failures.append(f"{name}: {where} schema is not a JSON Schema: {error.message}")
        if not method.get("result", {}).get("schema"):
            failures.append(f"{name}: no result schema")
        for error in method.get("errors", []):
            if not isinstance(error.get("data"), dict) or not error["data"].get("reason"):
                failures.append(f"{name}: error {error.get('code')} has no data.reason")
    for notification in document.get("x-notifications", []):
        for param in notification["params"]:
            jsonschema.Draft7Validator.check_schema(param["schema"])
        unknown = set(notification.get("x-sent-by", [])) - set(methods)
        if unknown:
            failures.append(f"notification {notification['name']}: sent by unknown methods {sorted(unknown)}")

    checked: collections.Counter = collections.Counter()
    unlisted: collections.Counter = collections.Counter()
    if len(sys.argv) > 3:
        validators = {name: jsonschema.Draft7Validator(m["result"]["schema"]) for name, m in methods.items()}
        for number, line in enumerate(open(sys.argv[3]), 1):
            answer = json.loads(line)
            name = answer["method"]
            if name not in methods:
                continue  # rpc.invalid and other markers of malformed input
            if "result" in answer:
                checked[name] += 1
                problems = sorted(validators[name].iter_errors(answer["result"]), key=lambda e: list(e.path))
                for problem in problems[:3]:
                    path = "/".join(str(p) for p in problem.path)
                    failures.append(f"{name}: answer on line {number} does not fit its result schema at /{path}: {problem.message[:200]}")
            else:
                listed = {(e["code"], e["data"]["reason"]) for e in methods[name]["errors"]}
                key = (answer["error"]["code"], answer["error"]["reason"])
                if key[0] > -32600 and key not in listed:
                    unlisted[(name, *key)] += 1
        print(f"openrpc: {sum(checked.values())} answers of {len(checked)} of {len(methods)} methods checked against their result schemas")
        never = sorted(set(methods) - set(checked))
        if never:
            print(f"openrpc: no answer recorded for {', '.join(never)}")
        for (name, code, reason), count in sorted(unlisted.items()):
            print(f"openrpc: note: {name} answered error {code} {reason} ({count}x), which its errors do not list")
    for failure in failures:
        print(f"openrpc: FAIL {failure}", file=sys.stderr)
    print(f"openrpc: {len(methods)} methods, {len(document.get('x-notifications', []))} notifications, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
