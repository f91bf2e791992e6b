import Foundation
import GatehouseCore
import GatehouseRPC
import Testing

/// JSON-RPC 2.0 asks for the request's id back unchanged; a number id is echoed as the very text sent.
@Suite("Exact ids")
struct ExactIDTests {
    static let numberIDs = [
        "100000000000000000000", "123456789012345678901234567890", "-123456789012345678901234567890",
        "-0", "0", "1e2", "1E+2", "-1.5e-3", "2.50", "0.1", "9223372036854775807", "9223372036854775808",
        "1.7976931348623157e308", "5e-324",
    ]

    /// The raw `"id":…}` tail of the response line to a request with this id text.
    func echoedIDText(of idText: String, method: String = "system.ping", client: RPCClient) throws -> String {
        try client.send(Array(#"{"jsonrpc":"2.0","method":"\#(method)","id":\#(idText)}"#.utf8))
        let line = String(decoding: try client.readLine(), as: UTF8.self)
        guard let range = line.range(of: #","id":"#, options: .backwards), line.hasSuffix("}") else { return line }
        return String(line[range.upperBound..<line.index(before: line.endIndex)])
    }

    @Test(arguments: numberIDs)
    func numberIDsAreEchoedByteForByte(_ idText: String) async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        let client = try server.client()
        #expect(try echoedIDText(of: idText, client: client) == idText)
        #expect(try echoedIDText(of: idText, method: "no.such.method", client: client) == idText, "errors echo it too")
        #expect(server.observer.recorded.first?.id?.canonicalText == idText, "the audit record keeps the same text")
        await server.stop()
    }

    @Test func stringAndNullIDsAreUnchanged() async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        let client = try server.client()
        #expect(try echoedIDText(of: #""a\"b\u00e9""#, client: client) == #""a\"bé""#)
        #expect(try echoedIDText(of: "null", client: client) == "null")
        #expect(server.observer.recorded.map { $0.id?.canonicalText } == [#""a\"bé""#, "null"])
        await server.stop()
    }

    @Test func batchMembersKeepTheirOwnIDTextAndNestedIDsDoNotInterfere() async throws {
        let server = try await TestServer(methods: SpecMethods.all)
        let client = try server.client()
        let frame = """
            [{"jsonrpc":"2.0","method":"sum","params":{"id":7.0},"id":1e2},\
            {"jsonrpc":"2.0","method":"system.ping","id":100000000000000000000},\
            {"jsonrpc":"2.0","method":"system.ping","id":"s"},\
            {"jsonrpc":"2.0","method":"system.ping","id":-0}]
            """
        try client.send(Array(frame.utf8))
        let line = String(decoding: try client.readLine(), as: UTF8.self)
        for tail in [#""id":1e2}"#, #""id":100000000000000000000}"#, #""id":"s"}"#, #""id":-0}"#] {
            #expect(line.contains(tail), "\(tail) missing from \(line)")
        }
        await server.stop()
    }

    @Test func theParserKeepsTheTextOfTopLevelIDsOnly() throws {
        let single = try JSONParser.parse(Array(#"{"id": 1.0e+2 , "params":{"id":3}}"#.utf8), keepingNumberTextOf: "id")
        #expect(single.numberTexts == [0: "1.0e+2"])
        #expect(single.value["id"] == .double(100))
        let batch = try JSONParser.parse(Array(#"[{"id":"x"},{"id":-0},[{"id":5}],{"id":2E3}]"#.utf8), keepingNumberTextOf: "id")
        #expect(batch.numberTexts == [1: "-0", 3: "2E3"])
    }
}
