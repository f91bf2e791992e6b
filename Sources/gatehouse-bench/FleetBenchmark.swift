import ArgumentParser
import Crypto
import Foundation
import GatehouseAudit
import GatehouseCollector
import GatehouseCore
import GatehouseFleet
import GatehouseHTTP
import GatehouseTesting
import Logging
import NIOCore
import PostgresNIO

extension Bench {
    /// Many hosts shipping signed, chained audit records to the collector, against a raw COPY of the same rows.
    struct Fleet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulated hosts shipping audit chains through gatehouse-collector into PostgreSQL vs a raw COPY of the same rows.")

        @Option(help: "Simulated hosts, each with its own Ed25519 key, registered with an ID token.") var hosts = 1000
        @Option(help: "Shipments per host, sent one after another.") var batches = 10
        @Option(help: "Records per shipment.") var batchSize = 50
        @Option(help: "Collector processes (hosts are spread over them).") var collectors = 1
        @Option(help: "Parallel COPY streams of the baseline (0: one per core).") var copyStreams = 0
        @Option(help: "The collector binary (default: gatehouse-collector beside this one), to compare two builds.") var collectorBinary: String?
        @Flag(inversion: .prefixedNo, help: "PostgreSQL with fsync on (its default); --no-fsync as the tests run it.") var fsync = true

        func run() async throws {
            let logger = Self.quietLogger
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let total = hosts * batches * batchSize
            print(
                "gatehouse-bench fleet: \(hosts) hosts × \(batches) shipments × \(batchSize) records = \(total) records, \(collectors) collector(s), \(cores) cores, fsync \(fsync ? "on" : "off")"
            )
            let clock = ContinuousClock()
            let generation = clock.now
            let fleet = try SimulatedHost.fleet(hosts: hosts, batches: batches, batchSize: batchSize)
            print(
                String(
                    format: "prepared the hosts' chains, signed checkpoints and shipment bodies in %.1f s (not measured below)",
                    seconds(clock.now - generation)))

            let sandbox = try await Sandbox.start()
            let postgres = try await PrivatePostgres.start(durable: fsync)
            do {
                try await measure(fleet: fleet, total: total, sandbox: sandbox, postgres: postgres, logger: logger)
            } catch {
                await postgres.stop()
                await sandbox.stop()
                throw error
            }
            await postgres.stop()
            await sandbox.stop()
        }

        private func measure(fleet: [SimulatedHost], total: Int, sandbox: Sandbox, postgres: PrivatePostgres, logger: Logger) async throws {
            let version = try await postgres.psql("SHOW server_version").trimmingCharacters(in: .whitespacesAndNewlines)
            let socket = PrivatePostgresSocket(path: postgres.socketPath, user: postgres.user)

            // Baseline: the same rows by COPY into the same schema (the collector's migrations) in another database.
            try await postgres.psql("CREATE DATABASE baseline")
            let streams = copyStreams > 0 ? copyStreams : ProcessInfo.processInfo.activeProcessorCount
            let copySeconds = try await Self.copyBaseline(fleet, streams: streams, socket: socket, logger: logger)
            let copied =
                Int(try await postgres.psql("SELECT count(*) FROM records", database: "baseline").trimmingCharacters(in: .whitespacesAndNewlines))
                ?? -1

            // The collector(s), registered hosts, then the timed shipping.
            let binary = collectorBinary
            let started = try (0..<max(1, collectors)).map { index in
                try CollectorProcess.start(
                    binary ?? Bench.RPC.sibling("gatehouse-collector"), postgres: postgres, issuer: sandbox.oidc.issuer,
                    witnessKey: postgres.directory + "/witness.key", index: index)
            }
            defer { for collector in started { collector.child.kill() } }
            let http = HTTPClient(logger: logger)
            defer { http.shutdown() }
            let registering = ContinuousClock.now
            try await Self.register(fleet, collectors: started, sandbox: sandbox, http: http)
            print(String(format: "registered %d hosts with sandbox ID tokens in %.1f s", fleet.count, seconds(.now - registering)))

            let cpuBefore = started.map(\.child.cpuSeconds).reduce(0, +)
            let shipping = ContinuousClock.now
            let outcome = await Self.ship(fleet, collectors: started, http: http)
            let elapsed = seconds(.now - shipping)
            let cpu = started.map(\.child.cpuSeconds).reduce(0, +) - cpuBefore
            let stored = Int(try await postgres.psql("SELECT count(*) FROM records").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1

            let copyRate = Double(copied) / copySeconds
            let shipRate = Double(stored) / elapsed
            print("PostgreSQL \(version), private server on a Unix socket")
            print("target                                  records    seconds   records/s")
            print(String(format: "raw COPY, %d streams (baseline)       %9d  %9.2f  %10.0f", streams, copied, copySeconds, copyRate))
            print(String(format: "hosts → collector → PostgreSQL       %9d  %9.2f  %10.0f", stored, elapsed, shipRate))
            print("")
            print(
                String(
                    format: "collector/COPY throughput = %.2f; collector ingest %.0f records/s (target ≥ 50,000/s: %@)", shipRate / copyRate,
                    shipRate,
                    shipRate >= 50_000 ? "met" : "NOT met"))
            print(
                String(
                    format: "shipping lag (a shipment ready on its host → cosigned receipt): p50 %.0f ms, p99 %.0f ms, max %.0f ms over %d shipments",
                    outcome.percentile(0.5) * 1000, outcome.percentile(0.99) * 1000, (outcome.lags.max() ?? .nan) * 1000, outcome.lags.count))
            print(
                String(
                    format: "collector CPU (user+system, /proc/PID/stat): %.2f s for %d records = %.1f µs per record", cpu, stored,
                    cpu / Double(max(stored, 1)) * 1e6))
            if outcome.errors > 0 || stored != total || copied != total {
                print(
                    "ERRORS: \(outcome.errors) shipments failed (first: \(outcome.firstError ?? "-")); stored \(stored), copied \(copied), expected \(total)"
                )
                throw ExitCode.failure
            }
        }

        /// Every host's rows by COPY, split over `streams` connections at once; the seconds it took.
        static func copyBaseline(_ fleet: [SimulatedHost], streams: Int, socket: PrivatePostgresSocket, logger: Logger) async throws -> Double {
            let client = FleetRows.client(socket, database: "baseline", logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await CollectorStore(client: client, logger: logger).migrate()
                // Rows formatted before the clock starts: the hosts' encoding is not the collector's cost either.
                let parts: [[ByteBuffer]] = (0..<streams).map { stream in
                    stride(from: stream, to: fleet.count, by: streams).map { index in
                        var buffer = ByteBuffer()
                        for record in fleet[index].records { FleetRows.append(hostID: fleet[index].hostID, record, to: &buffer) }
                        return buffer
                    }
                }
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { copies in
                    for part in parts {
                        copies.addTask { try await client.withConnection { try await FleetRows.copy(part, on: $0, logger: logger) } }
                    }
                    try await copies.waitForAll()
                }
                return seconds(.now - start)
            }
        }

        /// Registers every host with an ID token of one of the sandbox's people (several hosts each).
        static func register(_ fleet: [SimulatedHost], collectors: [CollectorProcess], sandbox: Sandbox, http: HTTPClient) async throws {
            var tokens: [String] = []
            for person in ["alice", "bob"] {
                tokens.append(try await SandboxIDToken.fetch(sandbox, subject: person, http: http))
            }
            let batches = stride(from: 0, to: fleet.count, by: 32).map {
                Array(fleet[$0..<min($0 + 32, fleet.count)].enumerated().map { ($0.offset, $0.element) })
            }
            for (offset, batch) in batches.enumerated() {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, host) in batch {
                        let number = offset * 32 + index
                        let client = CollectorClient(baseURL: collectors[number % collectors.count].baseURL, http: http)
                        let token = tokens[number % tokens.count]
                        group.addTask {
                            _ = try await client.register(try HostRegistration.make(hostID: host.hostID, key: host.key, idToken: token))
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }

        /// Every host at once, each sending its shipments one after another, as a shipper does.
        static func ship(_ fleet: [SimulatedHost], collectors: [CollectorProcess], http: HTTPClient) async -> ShippingOutcome {
            await withTaskGroup(of: ShippingOutcome.self) { group in
                for (number, host) in fleet.enumerated() {
                    let url = "\(collectors[number % collectors.count].baseURL)/v1/hosts/\(host.hostID)/shipments"
                    group.addTask {
                        var outcome = ShippingOutcome()
                        for body in host.bodies {
                            let ready = ContinuousClock.now
                            var headers = HTTPHeaders()
                            headers.replace("Content-Type", "application/json")
                            let request = HTTPRequest(
                                method: .POST, url: url, headers: headers, body: body, upstream: "collector", idempotent: true, timeout: .seconds(600)
                            )
                            do {
                                let response = try await http.send(request)
                                guard response.status == 200 else {
                                    outcome.fail("HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
                                    break
                                }
                                outcome.lags.append(seconds(.now - ready))
                            } catch {
                                outcome.fail("\(error)")
                                break
                            }
                        }
                        return outcome
                    }
                }
                var all = ShippingOutcome()
                for await part in group {
                    all.lags += part.lags
                    all.errors += part.errors
                    all.firstError = all.firstError ?? part.firstError
                }
                return all
            }
        }

        static var quietLogger: Logger {
            var logger = Logger(label: "gatehouse.bench.fleet")
            logger.logLevel = .critical
            return logger
        }
    }
}

/// Seconds in a duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// A host of the simulated fleet: its key, its chain, and the shipments (JSON bodies) it will send.
struct SimulatedHost: Sendable {
    let hostID: String
    let key: Curve25519.Signing.PrivateKey
    let records: [AuditRecord]
    let bodies: [Data]

    /// `hosts` hosts, each with `batches × batchSize` chained records and a signed checkpoint per shipment.
    static func fleet(hosts: Int, batches: Int, batchSize: Int) throws -> [SimulatedHost] {
        let methods = ["catalog.get", "catalog.mine", "dashboard.open", "job.submit", "job.status", "system.ping", "auth.status", "audit.query"]
        let encoder = JSONEncoder()
        return try (0..<hosts).map { number in
            let key = Curve25519.Signing.PrivateKey()
            let hostID = String(format: "bench-host-%05d", number)
            var previous = AuditRecord.genesisHash
            var records: [AuditRecord] = []
            records.reserveCapacity(batches * batchSize)
            for index in 0..<(batches * batchSize) {
                let seq = Int64(index + 1)
                let method = methods[(number + index) % methods.count]
                var record = AuditRecord(
                    seq: seq, at: String(format: "2026-12-06T%02d:%02d:%02d.%06dZ", (index / 3600) % 24, (index / 60) % 60, index % 60, number),
                    requestID: "req-\(number)-\(seq)", peerUID: 1000, peerGID: 1000, peerPID: Int64(4000 + number % 1000),
                    peerExe: "/usr/bin/python3", callerClass: "script", principal: "person\(number % 200)@example.com", method: method,
                    entity: "component:default/service-\(index % 50)", params: "{\"ref\":\"component:default/service-\(index % 50)\"}",
                    decision: index % 20 == 0 ? "deny" : "allow", rule: "default", outcome: index % 25 == 0 ? "error" : "ok",
                    errorReason: index % 25 == 0 ? "upstream_unavailable" : nil, detail: nil, durationUS: Int64(100 + index % 900),
                    prevHash: previous, hash: Data())
                record.hash = record.computedHash()
                previous = record.hash
                records.append(record)
            }
            let bodies = try stride(from: 0, to: records.count, by: batchSize).map { start -> Data in
                let batch = Array(records[start..<min(start + batchSize, records.count)])
                let last = batch[batch.count - 1]
                let checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: hostID, size: last.seq, head: last.hash), hostKey: key)
                return try encoder.encode(Shipment(checkpoint: checkpoint.text, records: batch))
            }
            return SimulatedHost(hostID: hostID, key: key, records: records, bodies: bodies)
        }
    }
}

/// Lags of the acknowledged shipments and the failures.
struct ShippingOutcome: Sendable {
    var lags: [Double] = []
    var errors = 0
    var firstError: String?

    mutating func fail(_ reason: String) {
        errors += 1
        firstError = firstError ?? reason
    }

    func percentile(_ p: Double) -> Double {
        let sorted = lags.sorted()
        return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// A `gatehouse-collector` process (the built binary beside this one), so its CPU time is its own.
struct CollectorProcess {
    let child: Child
    let baseURL: String

    static func start(_ binary: String, postgres: PrivatePostgres, issuer: String, witnessKey: String, index: Int) throws -> CollectorProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", "0", "--pg-host", postgres.socketDirectory, "--pg-port", String(postgres.port), "--pg-user", postgres.user,
            "--pg-database", postgres.database, "--witness-key", witnessKey, "--oidc-issuer", issuer, "--allow-insecure-http",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens ("listening on 127.0.0.1:PORT").
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            process.terminate()
            throw CleanExit.message("collector \(index) did not start: \(text)")
        }
        return CollectorProcess(child: Child(process: process), baseURL: "http://127.0.0.1:\(port)")
    }
}

/// An ID token from the sandbox IdP through the device flow, as the daemon signs a person in.
enum SandboxIDToken {
    static func fetch(_ sandbox: Sandbox, subject: String, http: HTTPClient) async throws -> String {
        let issuer = sandbox.oidc.issuer
        let start = try await http.send(
            .form(issuer + "/device_authorization", upstream: "idp", fields: [("client_id", "gatehouse"), ("scope", "openid email groups")]))
        let device = try JSONParser.parse(start.body)
        guard let userCode = device["user_code"]?.stringValue, let deviceCode = device["device_code"]?.stringValue else {
            throw CleanExit.message("the sandbox IdP answered no device code")
        }
        try sandbox.oidc.approveDevice(userCode: userCode, subject: subject)
        let token = try await http.send(
            .form(
                issuer + "/token", upstream: "idp",
                fields: [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", "gatehouse")]))
        guard let idToken = try JSONParser.parse(token.body)["id_token"]?.stringValue else {
            throw CleanExit.message("the sandbox IdP answered no id_token")
        }
        return idToken
    }
}
