#!/usr/bin/env python3
"""google-auth (PyPI) as the real client of `gatehouse token google-executable`.

The credential configuration is what `gatehouse token google-config` prints, loaded as a user's
script would (``google.auth.pluggable.Credentials.from_info``; ``load_credentials_from_dict`` would
look up the project at cloudresourcemanager.googleapis.com). Run by ``scripts/sdk/google-auth.sh``,
which starts the sandbox and a signed-in daemon and sets GATEHOUSE_BIN, GATEHOUSE_WORK and
GATEHOUSE_SANDBOX_PORTS.
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import unittest

import google.auth.exceptions
import google.auth.transport.requests
from google.auth import pluggable
from google.cloud import dataproc_v1

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
RUNNER = "dataproc-runner@demo-project.iam.gserviceaccount.com"
WORK = os.environ["GATEHOUSE_WORK"]


def urls() -> dict[str, str]:
    with open(os.environ["GATEHOUSE_SANDBOX_PORTS"]) as handle:
        return json.load(handle)


def gatehouse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([os.environ["GATEHOUSE_BIN"], *args], capture_output=True, text=True, timeout=60, env=env)


def printed_config(config_file: str, *extra: str) -> dict:
    answer = gatehouse("token", "google-config", "--config", config_file, *extra)
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def refreshed(info: dict) -> pluggable.Credentials:
    credentials = pluggable.Credentials.from_info(info, scopes=[CLOUD_PLATFORM])
    credentials.refresh(google.auth.transport.requests.Request())
    return credentials


def list_jobs(credentials) -> list:
    """A real API call with the token: Dataproc (sandbox) checks it and its cloud-platform scope."""
    client = dataproc_v1.JobControllerClient(
        transport="rest", credentials=credentials, client_options={"api_endpoint": urls()["dataproc"]})
    return list(client.list_jobs(project_id="demo-project", region="europe-west1"))


class GoogleAuthExecutableTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        os.environ["GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"] = "1"

    def test_printed_config_is_an_executable_sourced_external_account(self) -> None:
        info = printed_config(f"{WORK}/config.yaml")
        self.assertEqual(info["type"], "external_account")
        self.assertEqual(info["token_url"], urls()["sts"] + "/v1/token")
        self.assertEqual(info["subject_token_type"], "urn:ietf:params:oauth:token-type:id_token")
        command = info["credential_source"]["executable"]["command"]
        self.assertTrue(command.startswith("/"), "an absolute path: the library runs it with any PATH")
        self.assertIn("token google-executable --config", command)
        self.assertNotIn("service_account_impersonation_url", info)

    def test_refresh_gets_a_federated_token_from_sts(self) -> None:
        credentials = refreshed(printed_config(f"{WORK}/config.yaml"))
        self.assertTrue(credentials.token.startswith("ya29.sts-"), credentials.token[:12])
        self.assertIsNotNone(credentials.expiry)
        self.assertEqual(list_jobs(credentials), [])

    def test_refresh_with_impersonation_gets_a_service_account_token(self) -> None:
        info = printed_config(f"{WORK}/impersonate.yaml")
        self.assertEqual(
            info["service_account_impersonation_url"],
            f"{urls()['iamcredentials']}/v1/projects/-/serviceAccounts/{RUNNER}:generateAccessToken")
        credentials = refreshed(info)
        self.assertEqual(credentials.service_account_email, RUNNER)
        self.assertTrue(credentials.token.startswith("ya29.sa-"), credentials.token[:12])
        self.assertEqual(list_jobs(credentials), [])

    def test_output_file_holds_the_response_privately_and_is_used_as_a_cache(self) -> None:
        output = f"{WORK}/google-executable.json"
        info = printed_config(f"{WORK}/config.yaml", "--output-file", output)
        self.assertEqual(info["credential_source"]["executable"]["output_file"], output)
        refreshed(info)
        self.assertEqual(stat.S_IMODE(os.stat(output).st_mode), 0o600)
        with open(output) as handle:
            cached = json.load(handle)
        self.assertTrue(cached["success"])
        self.assertEqual(cached["token_type"], "urn:ietf:params:oauth:token-type:id_token")
        self.assertGreater(cached["expiration_time"], 0)
        # While the cached response is valid the library does not run the executable: a broken
        # command still refreshes.
        info["credential_source"]["executable"]["command"] = "/bin/false"
        self.assertTrue(refreshed(info).token.startswith("ya29.sts-"))

    def test_unreachable_daemon_is_reported_with_the_contract_code(self) -> None:
        info = printed_config(f"{WORK}/config.yaml")
        info["credential_source"]["executable"]["command"] += f" --socket {WORK}/nobody-listens.sock"
        with self.assertRaises(google.auth.exceptions.RefreshError) as raised:
            refreshed(info)
        message = str(raised.exception)
        self.assertIn("code: daemon_unreachable", message)
        self.assertEqual(message.count("gatehouse serve"), 1, "the reason once, not stderr mixed into the JSON")

    def test_another_audience_is_refused_before_sts(self) -> None:
        info = printed_config(f"{WORK}/config.yaml")
        info["audience"] = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/other/providers/x"
        with self.assertRaises(google.auth.exceptions.RefreshError) as raised:
            refreshed(info)
        self.assertIn("code: audience_mismatch", str(raised.exception))

    def test_a_saml_token_type_is_refused(self) -> None:
        env = dict(os.environ, GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE=printed_config(f"{WORK}/config.yaml")["audience"],
                   GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE="urn:ietf:params:oauth:token-type:saml2")
        answer = gatehouse("token", "google-executable", "--config", f"{WORK}/config.yaml", env=env)
        self.assertEqual(answer.returncode, 0, "a Google library reads the JSON only after exit 0")
        self.assertEqual(answer.stderr, "")
        response = json.loads(answer.stdout)
        self.assertEqual((response["version"], response["success"], response["code"]), (1, False, "unsupported_token_type"))

    def test_run_by_hand_a_failure_exits_with_the_cli_code(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOOGLE_EXTERNAL_ACCOUNT_")}
        answer = gatehouse("token", "google-executable", "--socket", f"{WORK}/nobody-listens.sock", env=env)
        self.assertEqual(answer.returncode, 3)
        self.assertEqual(json.loads(answer.stdout)["code"], "daemon_unreachable")
        self.assertIn("gatehouse serve", answer.stderr)


if __name__ == "__main__":
    unittest.main()
