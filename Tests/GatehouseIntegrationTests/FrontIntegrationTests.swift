import Foundation
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// gatehouse-front: the fast paths answer by themselves, everything else is the full CLI's.
@Suite("gatehouse-front", .serialized, .timeLimit(.minutes(2)))  // a hang fails, named, instead of stalling CI
struct FrontIntegrationTests {
    @Test func fastPathsAnswerAloneAndEverythingElseIsHandedToTheFullCLI() async throws {
        let daemon = try TestDaemon()
        try await daemon.start()
        defer { daemon.stop() }
        // The daemon's config file is empty: the socket is the default one. (Any GATEHOUSE_* variable the
        // front does not know, like the suite's answer recording or test.sh's mark of its processes, would
        // send it to the full CLI.)
        let environment = daemon.environment.filter { !["GATEHOUSE_RECORD_ANSWERS_FILE", "GATEHOUSE_TEST_RUN"].contains($0.key) }
        let front = BuiltProducts.path("gatehouse-front")
        func run(_ executable: String, _ arguments: [String], _ env: [String: String] = environment) async throws -> CommandResult {
            try await offPool { try TestDaemon.run(executable, arguments, environment: env) }
        }

        let pong = try await run(front, ["call", "system.ping"])
        #expect(pong.status == 0)
        #expect(
            pong.stdout == (try await run(BuiltProducts.path("gatehouse"), ["call", "system.ping"])).stdout, "the full CLI's output, byte for byte")
        #expect(pong.stdout == "\"pong\"\n")

        // Alone in a directory, without the full CLI: the fast path needs nothing else; the rest says what is missing.
        try await withTemporaryDirectory { directory in
            let alone = directory.appendingPathComponent("gatehouse").path
            try FileManager.default.copyItem(atPath: front, toPath: alone)
            #expect(try await run(alone, ["call", "system.ping"]).stdout == "\"pong\"\n")
            // A config file in plain block form is read: its socket key moves the socket.
            let config = directory.appendingPathComponent("config.yaml").path
            try "# moved\nsocket: \"\(daemon.socketPath)\"\nidentity:\n  client_id: gatehouse\n".write(
                toFile: config, atomically: true, encoding: .utf8)
            var configured = environment
            configured["GATEHOUSE_CONFIG"] = config
            configured["XDG_RUNTIME_DIR"] = daemon.root + "/nowhere"
            #expect(try await run(alone, ["call", "system.ping"], configured).stdout == "\"pong\"\n")
            // Anything else in it (here flow style) is the full CLI's to read.
            try "identity: {client_id: gatehouse}\n".write(toFile: config, atomically: true, encoding: .utf8)
            #expect(try await run(alone, ["call", "system.ping"], configured).stderr.contains("the full CLI is missing"))
            let other = try await run(alone, ["status"])
            #expect(other.status == 1)
            #expect(other.stderr.contains("the full CLI is missing"), "\(other.stderr)")
        }

        // Handed over: another command, and a failure (the full CLI's message and exit code).
        let status = try await run(front, ["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("running"), "\(status.stdout)")
        var elsewhere = environment
        elsewhere["XDG_RUNTIME_DIR"] = daemon.root + "/nowhere"
        let unreachable = try await run(front, ["call", "system.ping"], elsewhere)
        #expect(unreachable.status == 3)
        #expect(unreachable.stderr.contains("gatehouse serve"))
        // Not signed in (no identity configured): the full CLI answers in the contract's shape.
        let token = try await run(front, ["token", "google-executable"])
        #expect(token.stdout.contains("\"success\":false") && token.stdout.contains("identity_not_configured"), "\(token.stdout)")
    }
}
