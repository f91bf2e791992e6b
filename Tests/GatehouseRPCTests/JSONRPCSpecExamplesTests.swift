import Foundation
import GatehouseCore
import GatehouseRPC
import GatehouseTestSupport
import Testing

/// The 15 examples of the JSON-RPC 2.0 specification (§7), sent as raw bytes over the socket.
@Suite("JSON-RPC 2.0 specification examples")
struct JSONRPCSpecExamplesTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let name: String
        let request_raw: String
        let expected_response: JSONValue?
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/contracts/jsonrpc-2.0-spec-examples.json")
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    @Test func allFifteenExamplesAreLoaded() {
        #expect(Self.cases.count == 15)
    }

    @Test(arguments: cases)
    func answersExactlyAsTheSpecShows(_ example: Case) async throws {
        try await using(TestServer(methods: SpecMethods.all)) { server in
            let client = Unchecked(try server.client())
            // Frames are one line each: the examples' pretty-printing newlines sit between JSON tokens, where they are plain whitespace.
            let raw = example.request_raw.replacingOccurrences(of: "\n", with: " ")
            let (first, second) = try await offPool { () throws -> (JSONValue, JSONValue?) in
                try client.value.send(Array(raw.utf8))
                // A sentinel on the same connection proves whether anything was answered before it.
                try client.value.send(Array(#"{"jsonrpc":"2.0","method":"system.ping","id":"sentinel"}"#.utf8))
                let first = try client.value.readMessage()
                return (first, first["id"] == "sentinel" ? nil : try client.value.readMessage())
            }
            guard let expected = example.expected_response, !expected.isNull else {
                #expect(first["id"] == "sentinel", "expected no response, got \(first.canonicalString)")
                return
            }
            try Self.expectMatch(first, expected)
            #expect(second?["id"] == "sentinel")
        }
    }

    /// Compares codes, ids and results exactly; error messages are advisory (the spec's conventions); batches as multisets.
    static func expectMatch(_ actual: JSONValue, _ expected: JSONValue) throws {
        switch (actual, expected) {
        case (.array(let got), .array(let want)):
            #expect(got.count == want.count)
            var remaining = got.map(normalized)
            for item in want.map(normalized) {
                let index = try #require(remaining.firstIndex(of: item), "missing \(item.canonicalString) in \(actual.canonicalString)")
                remaining.remove(at: index)
            }
        default:
            #expect(normalized(actual) == normalized(expected), "got \(actual.canonicalString)")
        }
    }

    static func normalized(_ response: JSONValue) -> JSONValue {
        guard var members = response.objectValue else { return response }
        if let error = members["error"] {
            members["error"] = ["code": error["code"] ?? .null]
        }
        return .object(members)
    }
}
