"""Self-tests of the contract check: it must pass what the specs allow and catch what they do not
(wrong responses, wrong requests, routes outside the spec), using the real spec files."""
import json
import os
import unittest
from pathlib import Path

import contract_check as cc

# The specs' directory is given explicitly (run.sh exports it), never guessed.
CONTRACTS_DIR = os.environ.get("GATEHOUSE_SANDBOX_FIXTURES") or ""
if not CONTRACTS_DIR or not Path(CONTRACTS_DIR).is_dir():
    raise SystemExit("test_contract_check: set GATEHOUSE_SANDBOX_FIXTURES to the published specs' directory")
CONTRACTS_LOADED = cc.load_contracts(Path(CONTRACTS_DIR))
REGION = "/v1/projects/demo-project/regions/europe-west1"


def exchange(upstream, method, path, status=200, body=None, *, route=None, query="", request=None, request_type=None, response_type="application/json; charset=utf-8", auth=None):
    return {
        "upstream": upstream, "method": method, "path": path, "route": route, "query": query, "status": status,
        "requestBody": request if isinstance(request, str) else json.dumps(request) if request is not None else "",
        "requestContentType": request_type or ("application/json" if request is not None else None),
        "responseBody": body if isinstance(body, str) else json.dumps(body if body is not None else {}),
        "responseContentType": response_type, "responseTruncated": False, "authorizationScheme": auth,
    }


def cluster(**overrides):
    value = {
        "projectId": "demo-project", "clusterName": "c1", "clusterUuid": "u-1",
        "config": {"lifecycleConfig": {"autoDeleteTtl": "600s", "autoDeleteTime": "2026-01-01T00:10:00.000Z"}},
        "labels": {"gatehouse-principal": "alice"},
        "status": {"state": "RUNNING", "stateStartTime": "2026-01-01T00:00:02.000Z"},
    }
    value.update(overrides)
    return value


def failures(*lines):
    return cc.check(list(lines), CONTRACTS_LOADED).failures


def routes(*entries):
    return {"routes": [{"upstream": u, "method": m, "path": p} for u, m, p in entries]}


CLUSTER_ROUTE = ("dataproc", "GET", "/v1/projects/{projectId}/regions/{region}/clusters/{clusterName}")


class ResponsesTests(unittest.TestCase):
    def test_a_conforming_cluster_passes_and_covers_its_route(self):
        self.assertEqual(failures(routes(CLUSTER_ROUTE), exchange("dataproc", "GET", REGION + "/clusters/c1", body=cluster(), route=CLUSTER_ROUTE[2])), [])

    def test_an_enum_value_outside_the_schema_is_caught(self):
        bad = cluster(status={"state": "SLEEPING"})
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters/c1", body=bad))
        self.assertTrue(any("SLEEPING" in f for f in found), found)

    def test_a_field_the_schema_does_not_have_is_caught(self):
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters/c1", body=cluster(colour="blue")))
        self.assertTrue(any("colour" in f for f in found), found)

    def test_a_duration_in_the_wrong_form_is_caught(self):
        bad = cluster(config={"lifecycleConfig": {"autoDeleteTtl": "10m"}})
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters/c1", body=bad))
        self.assertTrue(any("autoDeleteTtl" in f for f in found), found)

    def test_looker_login_without_a_string_token_is_caught(self):
        found = failures(routes(), exchange("looker", "POST", "/api/4.0/login", body={"access_token": 42, "token_type": "Bearer", "expires_in": 3600},
                                            request="client_id=a&client_secret=[REDACTED]", request_type="application/x-www-form-urlencoded"))
        self.assertTrue(any("access_token" in f or "42" in f for f in found), found)

    def test_backstage_page_with_a_string_total_is_caught(self):
        found = failures(routes(), exchange("backstage", "GET", "/api/catalog/entities/by-query", body={"items": [], "totalItems": "3", "pageInfo": {}}))
        self.assertTrue(any("totalItems" in f or "'3'" in f for f in found), found)

    def test_partial_entities_pass_only_when_fields_were_asked_for(self):
        page = {"items": [{"metadata": {"name": "bob"}}], "totalItems": 1, "pageInfo": {}}
        asked = exchange("backstage", "GET", "/api/catalog/entities/by-query", query="fields=metadata.name", body=page)
        self.assertEqual(failures(routes(), asked), [])
        found = failures(routes(), exchange("backstage", "GET", "/api/catalog/entities/by-query", body=page))
        self.assertTrue(any("'kind' is a required property" in f for f in found), found)

    def test_a_text_result_passes_and_an_undocumented_media_type_is_caught(self):
        csv = exchange("looker", "GET", "/api/4.0/queries/121/run/csv", body="a,b\n1,2\n", response_type="text/csv")
        self.assertEqual(failures(routes(), csv), [])
        xml = exchange("looker", "GET", "/api/4.0/dashboards/12", body="<dashboard/>", response_type="application/xml")
        found = failures(routes(), xml)
        self.assertTrue(any("application/xml" in f for f in found), found)

    def test_an_undocumented_success_status_is_caught(self):
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters/c1", status=201, body=cluster()))
        self.assertTrue(any("201" in f for f in found), found)

    def test_a_google_error_in_another_shape_is_caught(self):
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters/c1", status=404, body={"message": "not found"}))
        self.assertTrue(any("error shape" in f for f in found), found)

    def test_an_oidc_discovery_document_without_issuer_is_caught(self):
        document = {"authorization_endpoint": "a", "token_endpoint": "t", "jwks_uri": "j", "response_types_supported": ["code"],
                    "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"]}
        found = failures(routes(), exchange("oidc", "GET", "/.well-known/openid-configuration", body=document))
        self.assertTrue(any("issuer" in f for f in found), found)


class RequestsTests(unittest.TestCase):
    def test_an_accepted_request_with_an_unknown_query_parameter_is_caught(self):
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/clusters", query="colour=blue", body={"clusters": []}))
        self.assertTrue(any("colour" in f for f in found), found)

    def test_an_accepted_body_with_an_unknown_field_is_caught(self):
        found = failures(routes(), exchange("dataproc", "POST", REGION + "/clusters", request={"clusterName": "c1", "size": 3},
                                            body={"name": "projects/p/regions/r/operations/o", "done": False}))
        self.assertTrue(any("size" in f for f in found), found)

    def test_an_sts_form_field_outside_the_exchange_request_is_caught(self):
        found = failures(routes(), exchange("sts", "POST", "/v1/token", request="grant_type=x&subject_tokn=y", request_type="application/x-www-form-urlencoded",
                                            body={"access_token": "[REDACTED]", "issued_token_type": "t", "token_type": "Bearer", "expires_in": 3600}))
        self.assertTrue(any("subjectTokn" in f for f in found), found)

    def test_google_client_conventions_pass_and_their_look_alikes_are_caught(self):
        # What google-cloud-dataproc sends: `$alt` with options, enums as numbers in query and body.
        sent = exchange("dataproc", "POST", REGION + "/clusters", query="requestId=r1&%24alt=json%3Benum-encoding%3Dint",
                        request={"projectId": "p", "clusterName": "c1", "config": {"secondaryWorkerConfig": {"preemptibility": 3}}},
                        body={"name": "projects/p/regions/r/operations/o", "done": False})
        self.assertEqual(failures(routes(), sent), [])
        listed = exchange("dataproc", "GET", REGION + "/jobs", query="jobStateMatcher=1&%24prettyPrint=false", body={"jobs": []})
        self.assertEqual(failures(routes(), listed), [])
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/jobs", query="%24filter=x&jobStateMatcher=7", body={"jobs": []}))
        self.assertTrue(any("$filter" in f for f in found), found)
        self.assertTrue(any("jobStateMatcher" in f for f in found), found)
        found = failures(routes(), exchange("dataproc", "POST", REGION + "/clusters", request={"projectId": "p", "clusterName": "c1", "config": {"secondaryWorkerConfig": {"preemptibility": "3"}}},
                                            body={"name": "projects/p/regions/r/operations/o", "done": False}))
        self.assertTrue(any("preemptibility" in f for f in found), found)

    def test_storage_media_is_not_held_to_the_object_schema_but_metadata_is(self):
        path = "/storage/v1/b/bucket/o/dir%2Fdriveroutput.000000000"
        self.assertEqual(failures(routes(), exchange("storage", "GET", path, query="alt=media", body="line\n", response_type="application/octet-stream")), [])
        found = failures(routes(), exchange("storage", "GET", path, body={"name": "dir/driveroutput.000000000", "size": 5}))
        self.assertTrue(any("size" in f for f in found), found)

    def test_a_refused_request_is_not_held_against_the_client(self):
        refused = exchange("dataproc", "GET", REGION + "/clusters", query="colour=blue", status=400,
                           body={"error": {"code": 400, "message": "Unknown query parameter", "status": "INVALID_ARGUMENT"}})
        self.assertEqual(failures(routes(), refused), [])


class RoutesTests(unittest.TestCase):
    def test_a_called_path_outside_the_spec_is_caught(self):
        found = failures(routes(), exchange("dataproc", "GET", REGION + "/widgets", body={}))
        self.assertTrue(any("route not in the dataproc spec" in f for f in found), found)

    def test_a_served_route_outside_the_spec_is_caught(self):
        found = failures(routes(("backstage", "GET", "/api/catalog/entities/by-colour/{colour}")))
        self.assertTrue(any("not in the spec" in f for f in found), found)

    def test_a_served_route_never_exercised_is_caught(self):
        found = failures(routes(CLUSTER_ROUTE))
        self.assertTrue(any("never exercised" in f for f in found), found)

    def test_an_exchange_shaped_by_a_fault_is_skipped(self):
        garbage = exchange("dataproc", "GET", REGION + "/clusters/c1", body='{"items":[{"apiVersion":"backst')
        garbage["fault"] = "garbage"
        self.assertEqual(failures(routes(), garbage), [])


if __name__ == "__main__":
    unittest.main()
