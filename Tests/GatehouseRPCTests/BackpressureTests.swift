import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import Synchronization
import Testing

/// A client that does not read its answers holds a bounded backlog, not the daemon's memory.
@Suite("Backpressure", .serialized, .timeLimit(.minutes(2)))
struct BackpressureTests {
    /// 8 KiB answers: a few dozen fill the bounds below.
    static let bulky = RPCMethod(
        "bulky", summary: "8 KiB of text",
        handler: .immediate { _ in
            .string(String(repeating: "x", count: 8192))
        })

    /// Polls `value` until it stops changing for `quiet`, and returns it.
    static func settled(_ value: () -> Int, quiet: Duration = .milliseconds(700)) async throws -> Int {
        var last = value()
        var stableSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now - stableSince < quiet, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            let now = value()
            if now != last {
                last = now
                stableSince = .now
            }
        }
        return last
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test func aClientThatReadsNothingStopsBeingReadAndResumesWhenItReads() async throws {
        let server = try await TestServer(methods: SpecMethods.all + [Self.bulky]) { configuration in
            configuration.maxUnsentBytes = 256 << 10
            configuration.maxUnsentAnswers = 64
        }
        let total = 3000
        let client = Unchecked(try server.client())
        let frames = (0..<total).map { Array(#"{"jsonrpc":"2.0","method":"bulky","id":\#($0)}"#.utf8) }
        // Blocking writes on a thread of their own: they stall once the server stops reading.
        let writer = Thread { for frame in frames { try? client.value.send(frame) } }
        writer.start()

        let bulkyCalls = { server.observer.recorded.filter { $0.method == "bulky" }.count }
        let served = try await Self.settled(bulkyCalls)
        // 3000 frames are ~150 KB, which the socket buffers take at once: without backpressure every one
        // would be served while nobody reads. With it, only what fits the bounds plus the socket's buffer.
        #expect(served < 300, "served \(served) of \(total) requests with no answer read")
        #expect(try server.client().call("system.ping") == "pong", "other connections are still served")

        let ids = try await offPool { () throws -> [Int64] in
            try (0..<total).map { _ in try client.value.readMessage()["id"]?.intValue ?? -1 }
        }
        #expect(ids == (0..<total).map(Int64.init), "every answer arrives, in order, once the client reads")
        #expect(bulkyCalls() == total)
        await server.stop()
    }

    @Test func aBatchCountsAsTheRequestsItHolds() async throws {
        let server = try await TestServer(methods: SpecMethods.all + [Self.bulky]) { configuration in
            configuration.maxUnsentBytes = 1 << 30  // only the count bounds this connection
            configuration.maxUnsentAnswers = 100
        }
        let batch = "[" + (0..<50).map { #"{"jsonrpc":"2.0","method":"bulky","id":\#($0)}"# }.joined(separator: ",") + "]"
        let client = Unchecked(try server.client())
        let writer = Thread { for _ in 0..<40 { try? client.value.send(Array(batch.utf8)) } }
        writer.start()
        let served = try await Self.settled { server.observer.recorded.filter { $0.method == "bulky" }.count }
        // Counted as one answer each, all 40 batches (2,000 requests) would be taken on before pausing.
        #expect(served <= 400, "served \(served) batched requests with no answer read")
        let answers = try await offPool { () throws -> Int in
            try (0..<40).filter { _ in try client.value.readMessage().arrayValue?.count == 50 }.count
        }
        #expect(answers == 40)
        await server.stop()
    }

    @Test func aConnectionThatMakesNoProgressForTheIdleTimeoutIsClosedAndAudited() async throws {
        let server = try await TestServer(methods: SpecMethods.all + [Self.bulky]) { configuration in
            configuration.idleTimeout = .seconds(1)
        }
        let client = Unchecked(try server.client())
        #expect(try client.value.call("system.ping") == "pong")  // connected and counted
        let frames = (0..<2000).map { Array(#"{"jsonrpc":"2.0","method":"bulky","id":\#($0)}"#.utf8) }
        let writer = Thread { for frame in frames { guard (try? client.value.send(frame)) != nil else { return } } }
        writer.start()
        let deadline = ContinuousClock.now + .seconds(15)
        while server.server.connectionCount > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(server.server.connectionCount == 0, "the stalled connection was closed")
        try await Self.waitUntil { server.observer.recorded.contains { $0.method == "rpc.connection_stalled" } }
        let stalled = server.observer.recorded.filter { $0.method == "rpc.connection_stalled" }
        #expect(stalled.count == 1)
        if case .failure(let error)? = stalled.first?.outcome {
            #expect(error.reason == "client_not_reading")
        } else {
            Issue.record("the stalled connection's record has no error")
        }
        await server.stop()
    }

    @Test func aNotificationStreamWhoseReaderStallsIsClosedAndAudited() async throws {
        let streamsEnded = Atomic<Int>(0)
        let stream = RPCMethod(
            "stream", summary: "1 KiB notifications until the caller leaves",
            handler: .async { call in
                let pad = JSONValue.string(String(repeating: "n", count: 1024))
                var sent = 0
                while call.notifier.isConnected {
                    call.notifier.notify(method: "tick", params: ["n": .int(Int64(sent)), "pad": pad])
                    sent += 1
                    // About 1 MB/s at most: a stream a reader can keep up with.
                    try await Task.sleep(for: .milliseconds(1))
                }
                streamsEnded.add(1, ordering: .relaxed)
                return .int(Int64(sent))
            })
        let server = try await TestServer(methods: SpecMethods.all + [stream]) { configuration in
            configuration.maxUnsentBytes = 256 << 10
        }
        // A reader that keeps up is not cut off.
        do {
            let reader = Unchecked(try server.client())
            try reader.value.send(Array(#"{"jsonrpc":"2.0","method":"stream","id":1}"#.utf8))
            let ticks = try await offPool { () throws -> Int in
                try (0..<2000).filter { _ in try reader.value.readMessage()["method"] == "tick" }.count
            }
            #expect(ticks == 2000)
            #expect(streamsEnded.load(ordering: .relaxed) == 0)
            #expect(server.observer.recorded.allSatisfy { $0.method != "rpc.connection_stalled" })
        }
        try await Self.waitUntil { streamsEnded.load(ordering: .relaxed) == 1 }  // its reader hung up

        // One that stops reading is.
        let stalled = try server.client()
        try stalled.send(Array(#"{"jsonrpc":"2.0","method":"stream","id":2}"#.utf8))
        try await Self.waitUntil { streamsEnded.load(ordering: .relaxed) == 2 }
        #expect(streamsEnded.load(ordering: .relaxed) == 2, "the stalled stream's method saw the connection close")
        // The record is committed beside the close, not before it: wait for it rather than race it.
        try await Self.waitUntil { server.observer.recorded.contains { $0.method == "rpc.connection_stalled" } }
        #expect(server.observer.recorded.filter { $0.method == "rpc.connection_stalled" }.count == 1)
        await server.stop()
    }

    @Test func aRefusedClientThatWritesFirstStillReadsWhy() async throws {
        let server = try await TestServer(methods: SpecMethods.all) { configuration in
            configuration.maxConnections = 1
        }
        let holder = try server.client()
        #expect(try holder.call("system.ping") == "pong")
        // Writing before reading used to race the server's close: EPIPE, or a reset, instead of the answer.
        for attempt in 0..<30 {
            let refused = try server.client()
            try refused.send(Array(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#.utf8))
            let answer = try refused.readMessage()
            #expect(answer["error"]?["data"]?["reason"] == "too_many_connections", "attempt \(attempt): \(answer)")
            #expect(throws: RPCClientError.self, "closed after the answer") { try refused.readLine() }
        }
        #expect(server.observer.refused.count == 30)
        await server.stop()
    }
}
