#!/usr/bin/env python3
"""Starts ``gatehouse-sandbox`` with exchange recording on and calls every route it serves once
with a request its spec allows, so the contract check sees every response shape at least once
(the test suite's own exchanges add the requests Gatehouse's clients really send)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REGION = "/v1/projects/demo-project/regions/europe-west1"
LOCATION = "/v1/projects/demo-project/locations/europe-west1"
CLOUD = "https://www.googleapis.com/auth/cloud-platform"
AUDIENCE = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/gatehouse/providers/sandbox"
REDIRECT = "http://127.0.0.1:9/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Client:
    def __init__(self, urls: dict[str, str]):
        self.urls = urls

    def call(self, upstream: str, method: str, path: str, *, json_body=None, form=None, raw_body=None, headers=None, expect=(200,)):
        data, all_headers = raw_body, dict(headers or {})
        if json_body is not None:
            data, all_headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if form is not None:
            data, all_headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.urls[upstream] + path, data=data, method=method, headers=all_headers)
        try:
            with OPENER.open(request, timeout=10) as response:
                status, body, location = response.status, response.read(), response.headers.get("Location")
        except urllib.error.HTTPError as error:
            status, body, location = error.code, error.read(), error.headers.get("Location")
        if status not in expect:
            raise AssertionError(f"{method} {upstream}{path}: expected {expect}, got {status}: {body[:300]!r}")
        parsed = None
        if body[:1] in (b"{", b"["):
            parsed = json.loads(body)
        return status, parsed, location


def drive(c: Client) -> None:
    # Backstage catalog
    page = c.call("backstage", "GET", "/api/catalog/entities/by-query?limit=2&filter=kind=component")[1]
    entity = page["items"][0]
    meta = entity["metadata"]
    c.call("backstage", "GET", "/api/catalog/entities?limit=2")
    c.call("backstage", "GET", f"/api/catalog/entities/by-name/{entity['kind']}/{meta.get('namespace', 'default')}/{meta['name']}")
    c.call("backstage", "GET", f"/api/catalog/entities/by-uid/{meta['uid']}")
    ref = f"{entity['kind'].lower()}:{meta.get('namespace', 'default')}/{meta['name']}"
    c.call("backstage", "POST", "/api/catalog/entities/by-refs", json_body={"entityRefs": [ref, "component:default/missing"]})

    # Looker
    c.call("looker", "GET", "/api/4.0/versions")  # needs no sign-in, as `gatehouse doctor` relies on
    token = c.call("looker", "POST", "/api/4.0/login", form={"client_id": "looker-admin-id", "client_secret": "looker-admin-secret"})[1]["access_token"]
    admin = {"Authorization": f"token {token}"}
    sudo = c.call("looker", "POST", "/api/4.0/login/101", headers=admin)[1]["access_token"]
    alice = {"Authorization": f"token {sudo}"}
    c.call("looker", "GET", "/api/4.0/dashboards/12", headers=alice)
    c.call("looker", "GET", "/api/4.0/queries/121/run/json", headers=alice)
    c.call("looker", "GET", "/api/4.0/queries/121/run/csv", headers=alice)
    host = urllib.parse.urlparse(c.urls["looker"]).netloc
    c.call("looker", "POST", "/api/4.0/embed/sso_url", headers=admin,
           json_body={"target_url": f"https://{host}/embed/dashboards/12", "external_user_id": "alice", "session_length": 300,
                      "permissions": ["access_data"], "models": ["analytics"], "user_attributes": {"gatehouse_teams": "team-a"}})
    c.call("looker", "DELETE", "/api/4.0/logout", headers=alice, expect=(200, 204))
    # Each person's embed user: cookieless acquire, lookup, sudo; System Activity; credential rotation.
    c.call("looker", "GET", "/api/4.0/groups?fields=id,name", headers=admin)
    session = c.call("looker", "POST", "/api/4.0/embed/cookieless_session/acquire", headers=admin,
                     json_body={"external_user_id": "bob", "first_name": "Bob", "group_ids": ["2"], "permissions": ["access_data"],
                                "models": [], "user_attributes": {"gatehouse_teams": "team-b"}, "session_length": 300})[1]
    c.call("looker", "DELETE", f"/api/4.0/embed/cookieless_session/{session['session_reference_token']}", headers=admin, expect=(204,))
    bob_id = c.call("looker", "GET", "/api/4.0/users/credential/embed/bob?fields=id", headers=admin)[1]["id"]
    bob = {"Authorization": f"token {c.call('looker', 'POST', f'/api/4.0/login/{bob_id}', headers=admin)[1]['access_token']}"}
    c.call("looker", "GET", "/api/4.0/queries/901/run/json", headers=bob)
    c.call("looker", "POST", "/api/4.0/queries/run/json", headers=admin,
           json_body={"model": "system__activity", "view": "history", "fields": ["history.id", "query.id", "user.id"],
                      "filters": {"query.id": "901"}, "sorts": ["history.id desc"], "limit": "10"})
    me = c.call("looker", "GET", "/api/4.0/user?fields=id", headers=admin)[1]["id"]
    pair = c.call("looker", "POST", f"/api/4.0/users/{me}/credentials_api3", headers=admin)[1]
    c.call("looker", "GET", f"/api/4.0/users/{me}/credentials_api3?fields=id,client_id", headers=admin)
    c.call("looker", "GET", f"/api/4.0/users/{me}/credentials_api3/{pair['id']}", headers=admin)
    c.call("looker", "DELETE", f"/api/4.0/users/{me}/credentials_api3/{pair['id']}", headers=admin, expect=(204,))
    # What a Looker user's script (looker-sdk) reads.
    c.call("looker", "GET", "/api/4.0/dashboards?fields=id,title", headers=bob)
    c.call("looker", "GET", "/api/4.0/dashboards/90/dashboard_elements?fields=id,query_id,query(model,view)", headers=bob)
    c.call("looker", "GET", "/api/4.0/queries/901", headers=bob)
    c.call("looker", "POST", "/api/4.0/queries", headers=bob, json_body={"model": "analytics", "view": "kpis", "fields": ["kpis.name"]})
    c.call("looker", "GET", "/api/4.0/user_attributes", headers=admin)
    c.call("looker", "GET", f"/api/4.0/users/{bob_id}", headers=admin)
    c.call("looker", "GET", f"/api/4.0/users/{bob_id}/attribute_values", headers=admin)

    # OIDC provider: discovery, keys, device grant, code grant with PKCE, refresh, userinfo, revoke, logout
    c.call("oidc", "GET", "/.well-known/openid-configuration")
    c.call("oidc", "GET", "/jwks")
    device = c.call("oidc", "POST", "/device_authorization", form={"client_id": "gatehouse", "scope": "openid email groups"})[1]
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": device["device_code"], "client_id": "gatehouse"}
    c.call("oidc", "POST", "/token", form=grant, expect=(400,))
    c.call("oidc", "GET", "/device?user_code=" + urllib.parse.quote(device["user_code"]))
    c.call("oidc", "POST", "/device", form={"user_code": device["user_code"], "sub": "alice"})
    c.call("admin", "POST", "/admin/clock/advance", json_body={"seconds": device.get("interval", 5) + 1})  # polls must be spaced
    tokens = c.call("oidc", "POST", "/token", form=grant)[1]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    c.call("oidc", "GET", "/userinfo", headers=bearer)
    c.call("oidc", "POST", "/userinfo", headers=bearer)
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = {"response_type": "code", "client_id": "gatehouse", "redirect_uri": REDIRECT, "scope": "openid email",
                 "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256"}
    c.call("oidc", "GET", "/authorize?" + urllib.parse.urlencode(authorize))
    location = c.call("oidc", "POST", "/authorize", form={**authorize, "sub": "alice"}, expect=(302,))[2]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
    coded = c.call("oidc", "POST", "/token", form={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                                  "client_id": "gatehouse", "code_verifier": verifier})[1]
    refreshed = c.call("oidc", "POST", "/token", form={"grant_type": "refresh_token", "refresh_token": coded["refresh_token"], "client_id": "gatehouse"})[1]
    c.call("oidc", "POST", "/revoke", form={"token": refreshed["refresh_token"], "client_id": "gatehouse"})
    c.call("oidc", "GET", "/logout")

    # STS and IAM Credentials
    sts = c.call("sts", "POST", "/v1/token", form={
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "audience": AUDIENCE, "scope": CLOUD,
        "requested_token_type": "urn:ietf:params:oauth:token-type:access_token", "subject_token": tokens["id_token"],
        "subject_token_type": "urn:ietf:params:oauth:token-type:id_token"})[1]
    federated = {"Authorization": f"Bearer {sts['access_token']}"}
    c.call("iamcredentials", "POST", "/v1/projects/-/serviceAccounts/dataproc-runner@demo-project.iam.gserviceaccount.com:generateAccessToken",
           headers=federated, json_body={"scope": [CLOUD], "lifetime": "600s"})

    # Dataproc: clusters, operations, jobs
    auth = federated
    created = c.call("dataproc", "POST", REGION + "/clusters?requestId=contract-create", headers=auth, json_body={
        "projectId": "demo-project", "clusterName": "contract", "labels": {"gatehouse-principal": "alice"},
        "config": {"workerConfig": {"numInstances": 2}, "lifecycleConfig": {"idleDeleteTtl": "1800s", "autoDeleteTtl": "7200s"}}})[1]
    failing = c.call("dataproc", "POST", REGION + "/clusters", headers=auth, json_body={
        "projectId": "demo-project", "clusterName": "contract-fails",
        "config": {"softwareConfig": {"properties": {"sandbox:fail": "true"}}}})[1]
    c.call("admin", "POST", "/admin/clock/advance", json_body={"seconds": 5})
    c.call("dataproc", "GET", "/v1/" + created["name"], headers=auth)
    c.call("dataproc", "GET", "/v1/" + failing["name"], headers=auth)
    c.call("dataproc", "GET", REGION + "/clusters/contract-fails", headers=auth)
    c.call("dataproc", "GET", REGION + "/operations?filter=" + urllib.parse.quote("clusterName = contract"), headers=auth)
    c.call("dataproc", "GET", REGION + "/clusters/contract", headers=auth)
    c.call("dataproc", "GET", REGION + "/clusters?filter=" + urllib.parse.quote("labels.gatehouse-principal = alice"), headers=auth)
    c.call("dataproc", "PATCH", REGION + "/clusters/contract?updateMask=config.lifecycle_config.auto_delete_ttl", headers=auth,
           json_body={"config": {"lifecycleConfig": {"autoDeleteTtl": "10800s"}}})
    job = c.call("dataproc", "POST", REGION + "/jobs:submit", headers=auth, json_body={
        "requestId": "contract-job", "job": {"placement": {"clusterName": "contract"}, "labels": {"env": "dev"},
                                             "pysparkJob": {"mainPythonFileUri": "gs://bucket/main.py", "args": ["--day", "1"]}}})[1]
    job_path = REGION + "/jobs/" + job["reference"]["jobId"]
    c.call("dataproc", "GET", job_path, headers=auth)
    c.call("dataproc", "GET", REGION + "/jobs?jobStateMatcher=ACTIVE&pageSize=10", headers=auth)
    c.call("dataproc", "POST", job_path + ":cancel", headers=auth, json_body={})
    c.call("dataproc", "DELETE", job_path, headers=auth)
    c.call("dataproc", "DELETE", REGION + "/clusters/contract?requestId=contract-delete", headers=auth)

    # Dataproc: Serverless batches and their operations
    batch_body = {"pysparkBatch": {"mainPythonFileUri": "gs://bucket/main.py"}, "labels": {"env": "dev"},
                  "runtimeConfig": {"version": "2.2", "properties": {"spark.executor.instances": "2"}}}
    batch = c.call("dataproc", "POST", LOCATION + "/batches?batchId=contract-batch&requestId=contract-batch", headers=auth, json_body=batch_body)[1]
    doomed = c.call("dataproc", "POST", LOCATION + "/batches?batchId=contract-cancel", headers=auth, json_body=batch_body)[1]
    c.call("dataproc", "POST", "/v1/" + doomed["name"] + ":cancel", headers=auth, json_body={})
    c.call("dataproc", "GET", LOCATION + "/batches?filter=" + urllib.parse.quote("state = PENDING AND labels.env = dev") + "&orderBy=create_time+desc", headers=auth)
    c.call("admin", "POST", "/admin/clock/advance", json_body={"seconds": 5})
    c.call("dataproc", "GET", "/v1/" + batch["name"], headers=auth)
    c.call("dataproc", "GET", "/v1/" + doomed["name"], headers=auth)
    finished = c.call("dataproc", "GET", LOCATION + "/batches/contract-batch", headers=auth)[1]
    c.call("dataproc", "DELETE", LOCATION + "/batches/contract-batch", headers=auth)

    # Cloud Storage: the driver output of the batch above (it stays after the batch is deleted)
    bucket, prefix = finished["runtimeInfo"]["outputUri"][len("gs://"):].split("/", 1)
    c.call("storage", "GET", f"/storage/v1/b/{bucket}?projection=noAcl", headers=auth)
    listed = c.call("storage", "GET", f"/storage/v1/b/{bucket}/o?prefix=" + urllib.parse.quote(prefix, safe=""), headers=auth)[1]
    chunk = "/storage/v1/b/" + bucket + "/o/" + urllib.parse.quote(listed["items"][0]["name"], safe="")
    c.call("storage", "GET", chunk, headers=auth)
    c.call("storage", "GET", chunk + "?alt=media", headers=auth)
    c.call("storage", "GET", "/download" + chunk + "?alt=media", headers=auth)
    # Cloud Storage: a simple media upload (what a PySpark job's main file and data arrive by), read back
    upload = "/upload/storage/v1/b/contract-uploads/o?uploadType=media&name=" + urllib.parse.quote("jobs/main.py", safe="")
    c.call("storage", "POST", upload, headers={**auth, "Content-Type": "text/x-python"}, raw_body=b"print('hello')\n")
    c.call("storage", "GET", "/storage/v1/b/contract-uploads/o/" + urllib.parse.quote("jobs/main.py", safe="") + "?alt=media", headers=auth)
    c.call("dataproc", "GET", REGION + "/clusters/never-created", headers=auth, expect=(404,))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: drive_sandbox.py PATH/TO/gatehouse-sandbox EXCHANGES.jsonl", file=sys.stderr)
        return 2
    binary, exchanges = argv[1], argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        ports = Path(scratch) / "ports.json"
        process = subprocess.Popen([binary, "--clock", "manual", "--ports-file", str(ports), "--record-exchanges", exchanges],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(200):  # up to 20 s for the listeners
                if ports.exists() and ports.stat().st_size > 0 or process.poll() is not None:
                    break
                time.sleep(0.1)
            if not ports.exists():
                print(f"gatehouse-sandbox did not start: {process.stderr.read().decode() if process.poll() is not None else 'timeout'}", file=sys.stderr)
                return 1
            drive(Client(json.loads(ports.read_text())))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
