"""The Python client against a real daemon (scripts/sdk/with-daemon.sh sets GATEHOUSE_SOCKET).

Run by scripts/python-client.sh after `pip install clients/python` into the project's venv, so
the package is imported as installed, not from the source tree.
"""
from __future__ import annotations

import os
import tempfile
import threading
import unittest

import gatehouse_client
from gatehouse_client import Client


class ClientTests(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()  # GATEHOUSE_SOCKET names the test daemon's socket
        self.addCleanup(self.client.close)

    def test_installed_not_imported_from_the_tree(self) -> None:
        self.assertIn("site-packages", gatehouse_client.__file__)

    def test_call(self) -> None:
        self.assertEqual(self.client.call("system.ping"), "pong")
        status = self.client.call("system.status")
        self.assertIsInstance(status["pid"], int)
        self.assertIn("version", status)

    def test_typed_errors_carry_code_and_reason(self) -> None:
        with self.assertRaises(gatehouse_client.MethodNotFoundError) as raised:
            self.client.call("system.pnig")
        self.assertEqual((raised.exception.code, raised.exception.reason), (-32601, "method_not_found"))
        self.assertEqual(raised.exception.data["didYouMean"], "system.ping")
        with self.assertRaises(gatehouse_client.InvalidParamsError) as raised:
            self.client.call("catalog.get", {"nonsense": 1})
        self.assertEqual((raised.exception.code, raised.exception.reason), (-32602, "invalid_params"))
        with self.assertRaises(gatehouse_client.NotFoundError) as raised:
            self.client.call("job.status", {"jobId": "gh-does-not-exist"})
        self.assertEqual(raised.exception.code, -32004)
        self.assertIsInstance(raised.exception, gatehouse_client.RPCError)
        self.assertIsNotNone(raised.exception.reason)
        # The connection is still usable after error answers.
        self.assertEqual(self.client.call("system.ping"), "pong")

    def test_batch_answers_in_call_order_with_errors_in_place(self) -> None:
        pong, missing, status = self.client.batch([("system.ping", None), ("no.such", None), ("system.status", None)])
        self.assertEqual(pong, "pong")
        self.assertIsInstance(missing, gatehouse_client.MethodNotFoundError)
        self.assertIn("pid", status)
        with self.assertRaises(gatehouse_client.MethodNotFoundError):
            self.client.batch([("system.ping", None), ("no.such", None)], raise_errors=True)
        self.assertEqual(self.client.batch([]), [])

    def test_notifications_reach_subscribers_before_the_answer(self) -> None:
        progress: list = []
        everything: list = []
        self.client.subscribe("catalog.sync.progress", lambda method, params: progress.append(params))
        unsubscribe = self.client.subscribe("*", lambda method, params: everything.append(method))
        report = self.client.call("catalog.sync")
        self.assertGreater(report["entities"], 0, report)
        self.assertTrue(progress, "catalog.sync sends progress notifications while it runs")
        self.assertIn("entitiesPerSecond", progress[-1])
        self.assertEqual(set(everything), {"catalog.sync.progress"})
        unsubscribe()
        before = len(everything)
        self.client.call("catalog.sync")
        self.assertEqual(len(everything), before, "an unsubscribed callback hears nothing more")

    def test_one_client_from_several_threads(self) -> None:
        answers: list = []
        threads = [threading.Thread(target=lambda: answers.append(self.client.call("system.ping"))) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(answers, ["pong"] * 8)

    def test_notification_gets_no_answer(self) -> None:
        self.client.notify("system.ping")
        self.assertEqual(self.client.call("system.ping"), "pong", "the next answer is the call's, not one for the notification")

    def test_no_daemon_is_a_connection_error(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            with self.assertRaises(gatehouse_client.ConnectionError) as raised:
                Client(os.path.join(directory, "none.sock"))
        self.assertIn("gatehouse serve", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
