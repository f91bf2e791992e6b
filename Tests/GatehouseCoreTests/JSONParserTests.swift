import Foundation
import GatehouseCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    /// Documents both parsers must read alike (Foundation's JSONDecoder is the reference).
    static let agreed: [String] = [
        #"null"#, #"true"#, #"false"#, #"0"#, #"-0"#, #"42"#, #"-9223372036854775808"#, #"9223372036854775807"#,
        #"1.5"#, #"-2.25e3"#, #"1E-2"#, #"9223372036854775808"#, #"1e300"#,
        #""""#, #""plain""#, #""esc \" \\ \/ \b \f \n \r \t""#, #""\u00e9\u4e2d\ud83d\ude00""#, #""naïve 中文 😀""#,
        #"[]"#, #"{}"#, #" [1, [2, [3, []]], {"a": {"b": null}}] "#,
        #"{"jsonrpc":"2.0","method":"system.ping","params":{"x":[1,2.5,"s",true,null]},"id":7}"#,
    ]

    @Test(arguments: agreed)
    func agreesWithFoundation(_ text: String) throws {
        let ours = try JSONParser.parse(Array(text.utf8))
        let reference = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours.canonicalString == reference.canonicalString)
    }

    @Test func keepsIntegersExactAndTypesApart() throws {
        #expect(try JSONParser.parse(Array("9007199254740993".utf8)) == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse(Array("1".utf8)) == .int(1))
        #expect(try JSONParser.parse(Array("1.0".utf8)) == .double(1))
        #expect(try JSONParser.parse(Array("true".utf8)) == .bool(true))
    }

    /// Inputs RFC 8259 forbids, each with the reason the parser gives.
    static let rejected: [(String, String)] = [
        ("", "unexpected end of input"), ("[1,]", "unexpected character"), ("{\"a\":1,}", "expected a string key"),
        ("01", "unexpected data after the JSON value"), ("1.", "expected a digit after '.'"), ("1e", "expected a digit in the exponent"),
        ("NaN", "unexpected character"), ("tru", "unexpected end of input"), ("nul1", "invalid literal"),
        ("\"a\nb\"", "unescaped control character in a string"), ("\"\\x\"", "invalid escape character"),
        ("\"\\ud800\"", "unpaired surrogate in a \\u escape"), ("\"\\udc00\"", "unpaired surrogate in a \\u escape"),
        ("\"\\u12g4\"", "invalid hex digit in a \\u escape"), ("\"open", "unterminated string"),
        ("{\"a\" 1}", "expected ':' after an object key"), ("[1 2]", "expected ',' or ']' in an array"),
        ("{} {}", "unexpected data after the JSON value"), ("// comment\n1", "unexpected character"), ("1e999", "number out of range"),
        (#"{"method":"a","method":"b"}"#, #"duplicate key "method""#),
    ]

    @Test(arguments: rejected)
    func rejects(_ input: String, _ reason: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(input.utf8)) }
        do {
            _ = try JSONParser.parse(Array(input.utf8))
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test func rejectsInvalidUTF8InsideAndOutsideEscapes() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func refusesDeepNestingWithoutOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let allowed = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect((try? JSONParser.parse(Array(allowed.utf8))) != nil)
    }

    @Test func roundTripsWhatTheWriterWrites() throws {
        let value: JSONValue = .object([
            "s": .string("quote \" backslash \\ control \u{0001} emoji 😀"), "n": .int(-12), "d": .double(0.125),
            "a": .array([.null, .bool(false), .object([:])]),
        ])
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }
}
