#!/usr/bin/env python3
"""Google's own Dataproc client (google-cloud-dataproc, REST transport) against gatehouse-sandbox.

Each call is what a user's script would write; the sandbox must answer as Dataproc does, so the
library's own parsing (enums as numbers, `$alt`, form-encoded filters, long-running operations)
is the judge. Run by ``scripts/sdk/dataproc.sh``, which starts the sandbox with a manual clock and
sets GATEHOUSE_SANDBOX_PORTS to its ports file.
"""
from __future__ import annotations

import json
import os
import unittest
import urllib.request
import uuid

from google.api_core import exceptions
from google.cloud import dataproc_v1, storage
from google.oauth2.credentials import Credentials

PROJECT = "sdk-project"
REGION = "europe-west1"


def urls() -> dict[str, str]:
    with open(os.environ["GATEHOUSE_SANDBOX_PORTS"]) as handle:
        return json.load(handle)


def admin(method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(urls()["admin"] + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def advance(seconds: float) -> None:
    """Moves the sandbox's manual clock: jobs, clusters and batches change state with it."""
    admin("POST", "/admin/clock/advance", {"seconds": seconds})


def credentials() -> Credentials:
    """A fixed access token the sandbox minted (a script would get one from Gatehouse or gcloud)."""
    return Credentials(token=admin("POST", "/admin/tokens", {"subject": "sdk", "email": "sdk@example.com"})["access_token"])


def client_kwargs() -> dict:
    """What a script passes to point a client at another endpoint with a fixed token."""
    return {"transport": "rest", "credentials": credentials(), "client_options": {"api_endpoint": urls()["dataproc"]}}


def driver_output(uri: str) -> str:
    """A workload's driver output, read with google-cloud-storage: every chunk under the prefix, in order."""
    client = storage.Client(project=PROJECT, credentials=credentials(), client_options={"api_endpoint": urls()["storage"]})
    bucket, prefix = uri.removeprefix("gs://").split("/", 1)
    blobs = list(client.list_blobs(bucket, prefix=prefix))
    assert [blob.name for blob in blobs] == sorted(blob.name for blob in blobs), "chunks are listed in order"
    # One chunk through a fresh handle (the download service, no mediaLink), the rest as listed.
    first = client.bucket(bucket).blob(blobs[0].name).download_as_bytes() if blobs else b""
    return (first + b"".join(blob.download_as_bytes() for blob in blobs[1:])).decode()


def pyspark_job(cluster: str, env: str) -> dict:
    return {
        "placement": {"cluster_name": cluster},
        "pyspark_job": {
            "main_python_file_uri": "gs://sdk-bucket/count.py",
            "logging_config": {"driver_log_levels": {"root": dataproc_v1.LoggingConfig.Level.INFO}},
        },
        "labels": {"env": env},
    }


class JobsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.jobs = dataproc_v1.JobControllerClient(**client_kwargs())

    def job_ids(self, **request) -> set[str]:
        listed = self.jobs.list_jobs(request={"project_id": PROJECT, "region": REGION, **request})
        return {job.reference.job_id for job in listed}

    def test_submit_twice_with_one_request_id_get_list_cancel_delete(self) -> None:
        request_id = uuid.uuid4().hex
        request = {"project_id": PROJECT, "region": REGION, "job": pyspark_job("sdk-cluster", "dev"), "request_id": request_id}
        first = self.jobs.submit_job(request=request)
        second = self.jobs.submit_job(request=request)
        job_id = first.reference.job_id
        self.assertEqual(second.reference.job_id, job_id)
        recorded = [job for job in admin("GET", "/admin/dataproc/jobs")["jobs"] if job["requestId"] == request_id]
        self.assertEqual(len(recorded), 1, "one job for two submits with the same request_id")
        self.assertEqual(recorded[0]["job"]["pysparkJob"]["loggingConfig"]["driverLogLevels"], {"root": "INFO"})

        other = self.jobs.submit_job(request={"project_id": PROJECT, "region": REGION, "job": pyspark_job("sdk-cluster", "prod")})

        got = self.jobs.get_job(project_id=PROJECT, region=REGION, job_id=job_id)
        self.assertEqual(got.status.state, dataproc_v1.JobStatus.State.PENDING)
        self.assertTrue(got.driver_output_resource_uri.startswith("gs://"))

        self.assertEqual(self.job_ids(filter="status.state = ACTIVE AND labels.env = dev") & {job_id, other.reference.job_id}, {job_id})
        self.assertIn(job_id, self.job_ids(job_state_matcher=dataproc_v1.ListJobsRequest.JobStateMatcher.ACTIVE))
        self.assertNotIn(job_id, self.job_ids(job_state_matcher=dataproc_v1.ListJobsRequest.JobStateMatcher.NON_ACTIVE))

        cancelled = self.jobs.cancel_job(project_id=PROJECT, region=REGION, job_id=job_id)
        self.assertEqual(cancelled.status.state, dataproc_v1.JobStatus.State.CANCELLED)
        self.assertIn(job_id, self.job_ids(job_state_matcher=dataproc_v1.ListJobsRequest.JobStateMatcher.NON_ACTIVE))
        with self.assertRaises(exceptions.BadRequest):  # FAILED_PRECONDITION: it is already cancelled
            self.jobs.cancel_job(project_id=PROJECT, region=REGION, job_id=job_id)

        self.jobs.delete_job(project_id=PROJECT, region=REGION, job_id=job_id)
        with self.assertRaises(exceptions.NotFound):
            self.jobs.get_job(project_id=PROJECT, region=REGION, job_id=job_id)

    def test_jobs_run_to_done_on_the_sandbox_clock(self) -> None:
        job = self.jobs.submit_job(project_id=PROJECT, region=REGION, job=pyspark_job("sdk-cluster", "dev"))
        advance(10)
        done = self.jobs.get_job(project_id=PROJECT, region=REGION, job_id=job.reference.job_id)
        self.assertEqual(done.status.state, dataproc_v1.JobStatus.State.DONE)
        self.assertTrue(done.done)
        self.assertEqual([entry.state for entry in done.status_history],
                         [dataproc_v1.JobStatus.State.PENDING, dataproc_v1.JobStatus.State.RUNNING])
        output = driver_output(done.driver_output_resource_uri)
        self.assertTrue(output.startswith("Sandbox driver: running gs://sdk-bucket/count.py"), output)
        self.assertTrue(output.endswith("Driver finished successfully.\n"), output)

    def test_driver_output_grows_while_the_job_runs(self) -> None:
        job = self.jobs.submit_job(project_id=PROJECT, region=REGION, job=pyspark_job("sdk-cluster", "dev"))
        uri = job.driver_output_resource_uri
        self.assertEqual(driver_output(uri), "", "nothing before the driver starts")
        advance(3)  # half-way through RUNNING (2 s steps)
        running = self.jobs.get_job(project_id=PROJECT, region=REGION, job_id=job.reference.job_id)
        self.assertEqual(running.status.state, dataproc_v1.JobStatus.State.RUNNING)
        partial = driver_output(uri)
        self.assertIn("stage 2 of 3", partial)
        self.assertNotIn("finished", partial)


class ClustersTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clusters = dataproc_v1.ClusterControllerClient(**client_kwargs())

    def test_create_with_result_then_delete(self) -> None:
        name = "sdk-" + uuid.uuid4().hex[:8]
        cluster = {
            "project_id": PROJECT, "cluster_name": name, "labels": {"team": "sdk"},
            "config": {
                "worker_config": {"num_instances": 2, "machine_type_uri": "n2-standard-4"},
                "secondary_worker_config": {"num_instances": 1, "preemptibility": dataproc_v1.InstanceGroupConfig.Preemptibility.SPOT},
                "software_config": {"optional_components": [dataproc_v1.Component.JUPYTER, dataproc_v1.Component.ANACONDA]},
            },
        }
        request_id = uuid.uuid4().hex
        operation = self.clusters.create_cluster(request={"project_id": PROJECT, "region": REGION, "cluster": cluster, "request_id": request_id})
        again = self.clusters.create_cluster(request={"project_id": PROJECT, "region": REGION, "cluster": cluster, "request_id": request_id})
        self.assertEqual(again.operation.name, operation.operation.name, "the same request_id is the same operation")
        self.assertEqual(operation.metadata.cluster_name, name)
        self.assertFalse(operation.done())
        advance(10)
        created = operation.result(timeout=30)
        self.assertEqual(created.cluster_name, name)
        self.assertEqual(created.status.state, dataproc_v1.ClusterStatus.State.RUNNING)
        self.assertEqual(created.config.secondary_worker_config.preemptibility, dataproc_v1.InstanceGroupConfig.Preemptibility.SPOT)
        self.assertEqual(list(created.config.software_config.optional_components), [dataproc_v1.Component.JUPYTER, dataproc_v1.Component.ANACONDA])

        listed = self.clusters.list_clusters(project_id=PROJECT, region=REGION, filter=f"status.state = ACTIVE AND clusterName = {name}")
        self.assertEqual([c.cluster_name for c in listed], [name])

        deletion = self.clusters.delete_cluster(request={
            "project_id": PROJECT, "region": REGION, "cluster_name": name, "cluster_uuid": created.cluster_uuid, "request_id": uuid.uuid4().hex,
        })
        advance(10)
        deletion.result(timeout=30)
        with self.assertRaises(exceptions.NotFound):
            self.clusters.get_cluster(project_id=PROJECT, region=REGION, cluster_name=name)


class BatchesTest(unittest.TestCase):
    parent = f"projects/{PROJECT}/locations/{REGION}"

    def setUp(self) -> None:
        self.batches = dataproc_v1.BatchControllerClient(**client_kwargs())

    def batch(self, env: str, main: str = "gs://sdk-bucket/count.py") -> dict:
        return {
            "pyspark_batch": {"main_python_file_uri": main, "args": ["--rows", "10"]},
            "runtime_config": {"version": "2.2", "properties": {"spark.executor.instances": "2"},
                               "autotuning_config": {"scenarios": [dataproc_v1.AutotuningConfig.Scenario.MEMORY]}},
            "environment_config": {"execution_config": {"ttl": {"seconds": 3600}}},
            "labels": {"env": env},
        }

    def test_create_twice_with_one_request_id_get_list_result_delete(self) -> None:
        batch_id = "sdk-" + uuid.uuid4().hex[:12]
        request = {"parent": self.parent, "batch": self.batch("dev"), "batch_id": batch_id, "request_id": uuid.uuid4().hex}
        operation = self.batches.create_batch(request=request)
        again = self.batches.create_batch(request=request)
        self.assertEqual(again.operation.name, operation.operation.name, "the same request_id is the same operation")
        name = f"{self.parent}/batches/{batch_id}"
        self.assertEqual(operation.metadata.batch, name)
        self.assertEqual(len([b for b in admin("GET", "/admin/dataproc/batches")["batches"] if b["batchId"] == batch_id]), 1)
        with self.assertRaises(exceptions.Conflict):  # the same batch_id without the request_id: ALREADY_EXISTS
            self.batches.create_batch(request={"parent": self.parent, "batch": self.batch("dev"), "batch_id": batch_id})

        got = self.batches.get_batch(name=name)
        self.assertEqual(got.state, dataproc_v1.Batch.State.PENDING)
        self.assertEqual(list(got.runtime_config.autotuning_config.scenarios), [dataproc_v1.AutotuningConfig.Scenario.MEMORY])
        other = self.batches.create_batch(request={"parent": self.parent, "batch": self.batch("prod")}).metadata.batch

        listed = {b.name for b in self.batches.list_batches(request={"parent": self.parent, "filter": "state = PENDING AND labels.env = dev"})}
        self.assertIn(name, listed)
        self.assertNotIn(other, listed)
        ordered = [b.name for b in self.batches.list_batches(request={"parent": self.parent, "order_by": "create_time desc"})]
        self.assertLess(ordered.index(other), ordered.index(name), "newest first")

        with self.assertRaises(exceptions.BadRequest):  # FAILED_PRECONDITION: a running batch cannot be deleted
            self.batches.delete_batch(name=name)
        advance(10)
        done = operation.result(timeout=30)
        self.assertEqual(done.state, dataproc_v1.Batch.State.SUCCEEDED)
        self.assertEqual([entry.state for entry in done.state_history], [dataproc_v1.Batch.State.PENDING, dataproc_v1.Batch.State.RUNNING])
        self.assertTrue(driver_output(done.runtime_info.output_uri).endswith("Driver finished successfully.\n"))
        self.assertEqual(done.creator, "sdk@example.com")

        self.batches.delete_batch(name=name)
        with self.assertRaises(exceptions.NotFound):
            self.batches.get_batch(name=name)

    def test_a_failing_batch_fails_its_operation_and_a_cancel_cancels(self) -> None:
        failing = self.batches.create_batch(parent=self.parent, batch=self.batch("dev", main="gs://sdk-bucket/fail.py"))
        cancelled = self.batches.create_batch(parent=self.parent, batch=self.batch("dev"))
        # google-api-core's REST Operation.cancel() fails before sending (KeyError 'body' in its
        # transport); a script cancels through the client's operations mixin instead.
        self.batches.cancel_operation(request={"name": cancelled.operation.name})
        advance(10)
        with self.assertRaises(exceptions.GoogleAPICallError):
            failing.result(timeout=30)
        failed = self.batches.get_batch(name=failing.metadata.batch)
        self.assertEqual(failed.state, dataproc_v1.Batch.State.FAILED)
        self.assertIn("Traceback (most recent call last):", driver_output(failed.runtime_info.output_uri))
        self.assertTrue(cancelled.cancelled())
        self.assertEqual(self.batches.get_batch(name=cancelled.metadata.batch).state, dataproc_v1.Batch.State.CANCELLED)


if __name__ == "__main__":
    unittest.main()
