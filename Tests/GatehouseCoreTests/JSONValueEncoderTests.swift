import Foundation
import GatehouseCore
import Testing

/// `JSONValue(encoding:)` builds the tree directly; these check it against what it replaced:
/// `JSONEncoder.gatehouse` to bytes, then `JSONParser` back into a tree.
@Suite("Encoding straight into JSONValue")
struct JSONValueEncoderTests {
    enum Kind: String, Codable { case service, group }
    enum Shape: Codable, Equatable {
        case circle(radius: Double)
        case labelled(String, Int)
        case empty
    }
    struct Point: Hashable, Codable {
        var x: Int
        var y: Int
    }

    /// One of everything a record or result in Gatehouse is made of, and the edge cases of each.
    struct Everything: Codable {
        var text = "é \"quoted\" / \u{0}"
        var flag = true
        var int = -42
        var int8 = Int8.min
        var int16 = Int16.max
        var int32 = Int32.min
        var int64 = Int64.min
        var uint = UInt.max
        var uint8 = UInt8.max
        var uint16 = UInt16.max
        var uint32 = UInt32.max
        var uint64 = UInt64.max
        var doubles: [Double] = [1.0, -0.0, 0.1, 1.5, 1e15, 1e16, 1e-7, 123_456_789.125, -2.5e300, .ulpOfOne]
        var floats: [Float] = [0.1, 3.0, 1e10, -7.25]
        var date = Date(timeIntervalSince1970: 1_790_000_000.789)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSinceReferenceDate: 12.5)]
        var data = Data([0, 1, 2, 250, 255])
        var url = URL(string: "https://backstage.example.com/api/catalog?filter=kind=group#x")!
        var decimal = Decimal(string: "12.50")!
        var missing: String? = nil
        var present: String? = "here"
        var optionals: [Int?] = [1, nil, 3]
        var kind = Kind.group
        var shapes: [Shape] = [.circle(radius: 2), .labelled("a", 1), .empty]
        var byName = ["b": 2, "a": 1]
        var annotations = ["backstage.io/source-location": "url:https://x/", "empty": ""]
        var names = ["p", "q"]
        var ints = [Int.min, 0, Int.max]
        var flags = [true, false]
        var byNumber = [3: "three", -1: "minus one"]
        var byPoint = [Point(x: 1, y: 2): "p"]
        var byKind = [Kind.service: 1]
        var nested = [["a"], [], ["b", "c"]]
        var json: JSONValue = ["k": [1, 2.5, nil, "s"], "empty": [:]]
        var jsons: [JSONValue] = [.null, .int(.max), .double(0.5)]
        var emptyObject = Empty()
    }

    struct Empty: Codable {}

    /// Hand-written `encode(to:)`: nested containers, `superEncoder`, a single-value wrapper.
    struct Handmade: Encodable {
        enum Keys: String, CodingKey { case meta, list, parent, wrapped }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var meta = container.nestedContainer(keyedBy: Keys.self, forKey: .meta)
            try meta.encode("inner", forKey: .wrapped)
            try meta.encodeNil(forKey: .list)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(1)
            var row = list.nestedContainer(keyedBy: Keys.self)
            try row.encode(2.0, forKey: .meta)
            var inner = list.nestedUnkeyedContainer()
            try inner.encodeNil()
            try Point(x: 5, y: 6).encode(to: container.superEncoder())
            try Point(x: 7, y: 8).encode(to: container.superEncoder(forKey: .parent))
            try container.encode(Wrapper(value: Point(x: 9, y: 10)), forKey: .wrapped)
        }
    }

    struct Wrapper: Encodable {
        var value: Point
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    private func throughFoundation(_ value: some Encodable) throws -> JSONValue {
        try JSONParser.parse(JSONEncoder.gatehouse.encode(value))
    }

    @Test func everyKindOfFieldEncodesAsFoundationAndTheParserWould() throws {
        let value = Everything()
        let direct = try JSONValue(encoding: value)
        #expect(direct == (try throughFoundation(value)))
        // Spot checks, so that a change to both paths cannot pass unnoticed.
        #expect(direct["doubles"]?.arrayValue?.first == .int(1))
        #expect(direct["uint64"] == .double(Double(UInt64.max)))
        #expect(direct["date"] == "2026-09-21T14:13:20Z")
        #expect(direct["missing"] == nil)
        #expect(direct["byNumber"]?["-1"] == "minus one")
        #expect(direct["emptyObject"] == [:])
    }

    @Test func handWrittenEncodersWithNestedAndSuperContainers() throws {
        let direct = try JSONValue(encoding: Handmade())
        #expect(direct == (try throughFoundation(Handmade())))
        #expect(direct["super"] == ["x": 5, "y": 6])
        #expect(direct["wrapped"] == ["x": 9, "y": 10])
    }

    @Test func topLevelValuesOfEveryKind() throws {
        #expect(try JSONValue(encoding: "text") == (try throughFoundation("text")))
        #expect(try JSONValue(encoding: 3.0) == .int(3))
        #expect(try JSONValue(encoding: [Point(x: 1, y: 2)]) == (try throughFoundation([Point(x: 1, y: 2)])))
        #expect(try JSONValue(encoding: Optional<Int>.none) == .null)
        #expect(try JSONValue(encoding: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test func nonFiniteNumbersAreRefusedLikeFoundationRefusesThem() {
        #expect(throws: EncodingError.self) { try JSONEncoder.gatehouse.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValue(encoding: [Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValue(encoding: ["x": Float.infinity]) }
    }
}
