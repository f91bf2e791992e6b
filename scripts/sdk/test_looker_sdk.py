#!/usr/bin/env python3
"""Google's own Looker client (looker-sdk, API 4.0) against gatehouse-sandbox.

Each call is what a Looker user's script would write; the sandbox must answer as Looker does,
so the SDK's own request building and response parsing (cattrs models, result formats, the
unversioned logout) are the judge. Run by ``scripts/sdk/looker.sh``, which starts the sandbox
and sets GATEHOUSE_SANDBOX_PORTS to its ports file.
"""
from __future__ import annotations

import json
import os
import unittest
import urllib.parse

import looker_sdk
from looker_sdk import error, models40 as models

ADMIN_ID = "looker-admin-id"
ADMIN_SECRET = "looker-admin-secret"
FORMATS = ["json", "json_bi", "json_detail", "csv", "txt", "html", "md", "xlsx", "sql", "png", "jpg"]


def looker_url() -> str:
    with open(os.environ["GATEHOUSE_SANDBOX_PORTS"]) as handle:
        return json.load(handle)["looker"]


def sdk(client_id: str = ADMIN_ID, secret: str = ADMIN_SECRET) -> looker_sdk.methods40.Looker40SDK:
    """A client configured the way the SDK documents: environment variables only."""
    os.environ.update({
        "LOOKERSDK_BASE_URL": looker_url().rstrip("/"), "LOOKERSDK_CLIENT_ID": client_id, "LOOKERSDK_CLIENT_SECRET": secret,
        "LOOKERSDK_VERIFY_SSL": "false", "LOOKERSDK_API_VERSION": "4.0", "LOOKERSDK_TIMEOUT": "30",
    })
    return looker_sdk.init40()


def embed_params(subject: str, teams: str, target: str) -> models.EmbedSsoParams:
    return models.EmbedSsoParams(
        target_url=target, session_length=300, force_logout_login=True, external_user_id=subject, first_name=subject.title(),
        last_name="", permissions=["access_data", "see_user_dashboards"], models=["analytics"], group_ids=[],
        user_attributes={"gatehouse_teams": teams, "gatehouse_entities": f"component:default/{subject}-service"})


class LookerSDKTest(unittest.TestCase):
    def test_me_and_dashboards_with_nested_fields(self) -> None:
        client = sdk()
        me = client.me()
        self.assertEqual(me.id, "1")
        self.assertEqual(me.display_name, "Looker Admin")
        self.assertEqual(client.me(fields="id").email, None, "fields= keeps only what was asked for")

        dashboards = client.all_dashboards(fields="id,title")
        self.assertEqual([d.id for d in dashboards], ["12", "34", "56", "78", "90"])
        self.assertTrue(all(d.folder is None for d in dashboards))

        dashboard = client.dashboard("90", fields="id,title,dashboard_elements(id,query_id,query(model,view))")
        self.assertEqual(dashboard.title, "Company KPIs")
        self.assertIsNone(dashboard.description)
        self.assertEqual([e.query_id for e in dashboard.dashboard_elements], ["901", "902"])
        self.assertEqual(dashboard.dashboard_elements[0].query.view, "kpis")
        self.assertIsNone(dashboard.dashboard_elements[0].title)

        elements = client.dashboard_dashboard_elements("90")
        self.assertEqual([e.id for e in elements], ["9001", "9002"])
        self.assertEqual(elements[0].query.fields, ["kpis.team", "kpis.name", "kpis.count"])
        with self.assertRaises(error.SDKError):
            client.dashboard("404404")

    def test_query_and_every_result_format(self) -> None:
        client = sdk()
        query = client.query("901")
        self.assertEqual((query.model, query.view), ("analytics", "kpis"))
        rows = json.loads(client.run_query("901", "json"))
        self.assertEqual({row["kpis.team"] for row in rows}, {"team-a", "team-b"}, "the admin's teams attribute is %")
        for result_format in FORMATS:
            with self.subTest(result_format=result_format):
                answer = client.run_query("901", result_format)
                self.assertTrue(answer, result_format)
                if result_format in ("png", "jpg", "xlsx"):
                    self.assertIsInstance(answer, bytes)
                else:
                    self.assertIsInstance(answer, str)
        self.assertTrue(client.run_query("901", "csv").startswith("kpis.team,kpis.name,kpis.count\n"))
        self.assertIn("SELECT", client.run_query("901", "sql"))
        self.assertIn("| kpis.team |", client.run_query("901", "md"))
        with self.assertRaises(error.SDKError):
            client.run_query("901", "pdf")

    def test_inline_query_and_system_activity_history(self) -> None:
        client = sdk()
        body = models.WriteQuery(model="analytics", view="kpis", fields=["kpis.name", "kpis.count"], filters={"kpis.team": "team-b"}, limit="2")
        rows = json.loads(client.run_inline_query("json", body))
        self.assertEqual(len(rows), 2)
        self.assertTrue(all(row["kpis.name"].startswith("team-b") for row in rows))
        again = client.run_inline_query("json_bi", body)
        self.assertIn("metadata", json.loads(again))

        history = json.loads(client.run_inline_query("json", models.WriteQuery(
            model="system__activity", view="history",
            fields=["history.id", "history.created_time", "query.id", "query.model", "query.view", "user.id", "history.source", "history.status"],
            filters={"query.view": "kpis", "user.id": "1"}, limit="50")))
        self.assertGreaterEqual(len(history), 2, "both inline runs are in Looker's history")
        self.assertEqual({row["user.id"] for row in history}, {"1"})
        self.assertEqual(history[0]["history.status"], "complete")
        ids = [row["history.id"] for row in history]
        self.assertEqual(ids, sorted(ids, reverse=True), "newest first")

    def test_embed_url_login_user_and_row_level_access(self) -> None:
        client = sdk()
        base = looker_url().rstrip("/")
        # The spec's own form: the Looker UI page, not the /embed/ path.
        url = client.create_sso_embed_url(embed_params("sdk-alice", "team-a", f"{base}/dashboards/90")).url
        parsed = urllib.parse.urlparse(url)
        self.assertTrue(parsed.path.startswith("/login/embed/"))
        self.assertIn("%2Fembed%2Fdashboards%2F90", parsed.path)
        attributes = json.loads(urllib.parse.parse_qs(parsed.query)["user_attributes"][0])
        self.assertEqual(attributes["gatehouse_teams"], "team-a")
        client.create_sso_embed_url(embed_params("sdk-bob", "team-b", f"{base}/embed/dashboards/90"))

        alice = client.user_for_credential("embed", "sdk-alice")
        bob = client.user_for_credential("embed", "sdk-bob")
        self.assertNotEqual(alice.id, bob.id)
        self.assertEqual(alice.credentials_embed[0].external_user_id, "sdk-alice")

        seen = {}
        for person in (alice, bob):
            client.auth.login_user(person.id)
            self.assertEqual(client.me().id, person.id)
            seen[person.id] = json.loads(client.run_query("901", "json"))
            client.auth.logout()
        self.assertEqual({row["kpis.team"] for row in seen[alice.id]}, {"team-a"})
        self.assertEqual({row["kpis.team"] for row in seen[bob.id]}, {"team-b"})
        self.assertNotEqual(seen[alice.id], seen[bob.id])
        self.assertEqual(client.me().id, "1", "after the sudo logout the admin session goes on")

    def test_credentials_api3_create_login_delete_and_logout(self) -> None:
        client = sdk()
        created = client.create_user_credentials_api3("1")
        self.assertTrue(created.client_secret)
        listed = [c.client_id for c in client.all_user_credentials_api3s("1")]
        self.assertIn(created.client_id, listed)
        second = sdk(created.client_id, created.client_secret)
        self.assertEqual(second.me().id, "1")
        second.auth.logout()
        self.assertFalse(second.auth.is_authenticated)
        client.delete_user_credentials_api3("1", created.id)
        with self.assertRaises(error.SDKError):
            sdk(created.client_id, created.client_secret).me()
        client.auth.logout()


if __name__ == "__main__":
    unittest.main()
