import Foundation
import GatehouseCore
import GatehousePeer
import GatehouseRPC
import Testing

/// Hostile and broken input: every frame gets its specified error or a clean close, and the server keeps serving.
@Suite("Malformed input")
struct MalformedInputTests {
    func withServer(_ body: (TestServer) async throws -> Void) async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        do {
            try await body(server)
            // Whatever happened, a fresh connection still gets answers.
            #expect(try server.client().call("system.ping") == "pong")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func code(_ response: JSONValue) -> Int64? { response["error"]?["code"]?.intValue }

    @Test func truncatedJSONIsAParseErrorWithNullID() async throws {
        try await withServer { server in
            let response = try server.client().exchange(#"{"jsonrpc":"2.0","method":"sum","params":[1,2"#)
            #expect(code(response) == -32700)
            #expect(response["id"] == .null)
        }
    }

    @Test func invalidUTF8IsAParseError() async throws {
        try await withServer { server in
            let client = try server.client()
            try client.send([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D])
            #expect(try code(client.readMessage()) == -32700)
        }
    }

    @Test func hundredThousandNestedArraysAreRefusedWithoutCrashing() async throws {
        try await withServer { server in
            let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            let response = try server.client().exchange(deep)
            #expect(code(response) == -32700)
        }
    }

    @Test func tenMebibyteLineGetsPayloadTooLargeAndTheConnectionCloses() async throws {
        try await withServer { server in
            let client = try server.client()
            let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20)
            // The server may close while we are still writing; the answer must still be readable first.
            try? client.send(huge)
            let response = try client.readMessage()
            #expect(code(response) == -32005)
            #expect(response["error"]?["data"]?["reason"] == "payload_too_large")
            #expect(throws: RPCClientError.self) { try client.readLine() }
        }
    }

    @Test func emptyBatchIsOneInvalidRequest() async throws {
        try await withServer { server in
            let response = try server.client().exchange("[]")
            #expect(response.objectValue != nil)
            #expect(code(response) == -32600)
        }
    }

    @Test func tenThousandRequestBatchIsAnsweredInFull() async throws {
        try await withServer { server in
            let batch = (0..<10_000).map { #"{"jsonrpc":"2.0","method":"sum","params":[\#($0),1],"id":\#($0)}"# }
            let response = try server.client().exchange("[" + batch.joined(separator: ",") + "]")
            let answers = try #require(response.arrayValue)
            #expect(answers.count == 10_000)
            let byID = Dictionary(uniqueKeysWithValues: answers.map { ($0["id"]!.intValue!, $0["result"]!.intValue!) })
            #expect(byID[0] == 1)
            #expect(byID[9_999] == 10_000)
            #expect(server.observer.recorded.count >= 10_000)
        }
    }

    @Test func binaryGarbageIsAParseErrorPerLine() async throws {
        try await withServer { server in
            let client = try server.client()
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }.filter { $0 != 0x0A }
            try client.send(garbage)
            #expect(try code(client.readMessage()) == -32700)
        }
    }

    @Test func wrongTypesAreInvalidRequests() async throws {
        try await withServer { server in
            let client = try server.client()
            #expect(try code(client.exchange(#"{"jsonrpc":"1.0","method":"sum","id":1}"#)) == -32600)
            #expect(try code(client.exchange(#"{"jsonrpc":"2.0","method":"sum","params":5,"id":2}"#)) == -32600)
            #expect(try code(client.exchange(#"{"jsonrpc":"2.0","method":"sum","id":{"a":1}}"#)) == -32600)
            #expect(try code(client.exchange(#""just a string""#)) == -32600)
            let invalidParams = try client.exchange(#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":3}"#)
            #expect(code(invalidParams) == -32602)
            #expect(invalidParams["id"] == 3)
        }
    }

    @Test func connectionsBeyondTheLimitAreRefusedAsBusy() async throws {
        let server = try await TestServer(methods: SpecMethods.all) { $0.maxConnections = 2 }
        let first = try server.client()
        let second = try server.client()
        #expect(try first.call("system.ping") == "pong")
        #expect(try second.call("system.ping") == "pong")
        let third = try server.client()
        let refusal = try third.readMessage()
        #expect(refusal["error"]?["data"]?["reason"] == "too_many_connections")
        #expect(server.observer.refused == ["too_many_connections"])
        await server.stop()
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try await TestServer(methods: SpecMethods.all) { $0.idleTimeout = .seconds(1) }
        let client = try server.client()
        #expect(try client.call("system.ping") == "pong")
        #expect(throws: RPCClientError.self) { try client.readLine() }  // returns once the server closes it
        await server.stop()
    }

    @Test func everyCallIncludingNotificationsAndErrorsIsObserved() async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        let client = try server.client()
        try client.send(Array(#"{"jsonrpc":"2.0","method":"update","params":[1]}"#.utf8))
        _ = try client.exchange(#"{"jsonrpc":"2.0","method":"nope","id":7}"#)
        _ = try client.exchange("{oops")
        let methods = server.observer.recorded.map(\.method)
        #expect(methods == ["update", "nope", "rpc.parse_error"])
        #expect(server.observer.recorded[0].peer.uid == getuid())
        #expect(server.observer.recorded[0].peer.pid == getpid())
        await server.stop()
    }
}
