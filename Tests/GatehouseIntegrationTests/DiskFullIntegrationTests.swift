import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import GatehouseTesting
import Synchronization
import Testing

/// The daemon's database on a small tmpfs that the test fills: mounting needs root, as CI runs.
@Suite("A full disk", .serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct DiskFullIntegrationTests {
    @Test func callsAreRefusedAsDiskFullWithNothingAcknowledgedLostAndRecoverWithoutARestart() async throws {
        let mounted = Mutex<String?>(nil)
        defer {
            if let directory = mounted.withLock({ $0 }) { _ = try? TestDaemon.run("/bin/umount", ["-l", directory]) }
        }
        try await using(
            JobEnvironment.start { daemon in
                let directory = (daemon.databasePath as NSString).deletingLastPathComponent
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let mount = try TestDaemon.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", directory])
                try #require(mount.status == 0, "mount: \(mount.stderr)")
                mounted.withLock { $0 = directory }
            }
        ) { env in
            try await env.sandbox.setFault(SandboxFault(kind: .down), on: .dataproc)
            let directory = try #require(mounted.withLock { $0 })
            let filler = directory + "/filler"

            // Fill the disk, then call until the log needs a block it cannot have.
            _ = try TestDaemon.run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=64k"])
            var acknowledged: [String] = []
            var refusal: RPCError?
            for index in 0..<2000 where refusal == nil {
                do {
                    let answer = try await env.call("job.submit", ["entity": .string(JobEnvironment.entity), "job": JobEnvironment.job(index)])
                    acknowledged.append(try #require(answer["jobId"]?.stringValue))
                } catch RPCClientError.rpc(let error) {
                    refusal = error
                }
            }
            let refused = try #require(refusal, "2000 submissions on a full disk all succeeded")
            #expect(refused.code == RPCErrorCode.upstreamUnavailable.rawValue, "never -32603: \(refused)")
            #expect(refused.data?["reason"] == "disk_full", "\(refused)")
            #expect(refused.data?["path"]?.stringValue == env.daemon.databasePath, "\(refused)")
            #expect(refused.data?["freeBytes"]?.intValue != nil, "\(refused)")
            #expect(refused.message.contains("free some space"), "\(refused.message)")
            let ping = try await env.daemon.failure("system.ping")
            #expect(ping?.data?["reason"] == "disk_full", "a read is refused too, since its record cannot be written: \(String(describing: ping))")

            // Space freed: the same daemon answers again, the trail verifies, and every acknowledged job is there.
            try FileManager.default.removeItem(atPath: filler)
            let recovered = try await eventually(timeout: .seconds(20)) { (try? await env.call("system.ping")) == "pong" }
            #expect(recovered, "the daemon recovers without a restart")
            let verified = try await env.call("audit.verify")
            #expect(verified["intact"] == true, "\(verified)")
            for id in acknowledged {
                #expect(try await env.call("job.status", ["jobId": .string(id)])["state"] == "QUEUED", "\(id) acknowledged, then lost")
            }
            let status = try await env.call("system.status")
            #expect((status["database"]?["freeBytes"]?.intValue ?? 0) > 0, "\(status)")
        }
    }
}
