/// Why a byte sequence is not JSON: what was wrong and at which byte offset.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong.
    public let reason: String
    /// Byte offset into the input where it went wrong.
    public let offset: Int

    public var description: String { "\(reason) at byte \(offset)" }
}

/// Parses RFC 8259 JSON bytes into `JSONValue`.
///
/// Written by hand because every request and every stored document passes through here, and
/// Foundation offers no untyped parse that keeps JSON's types: `JSONDecoder` can only reach
/// `JSONValue` through Codable's try-each-type probing, which throws and discards an error for
/// every value that is not a Bool (measured: a tenth of the daemon's CPU per `system.ping`), and
/// `JSONSerialization` returns `NSNumber`s in which `true` and `1` look alike.
/// Strict: no trailing commas, comments, NaN, leading zeros, unescaped control characters, invalid
/// UTF-8, lone surrogates or duplicate keys; nesting deeper than `maxDepth` is refused rather than overflowing the stack.
public struct JSONParser {
    /// Nesting limit; deeper input is an error (Foundation's parser uses the same bound).
    public static let maxDepth = 512

    /// Parses a whole document; anything but whitespace after the value is an error.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        // Contiguous input (an RPC frame in its receive buffer, Data, an Array) is read in place;
        // only other collections are copied first.
        let inPlace = bytes.withContiguousStorageIfAvailable { input in
            Result { () throws(JSONParseError) -> JSONValue in try parse(input) }
        }
        if let inPlace { return try inPlace.get() }
        return try Array(bytes).withUnsafeBufferPointer { (input) throws(JSONParseError) -> JSONValue in try parse(input) }
    }

    private static func parse(_ input: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseBuffer(input, keepingNumberTextOf: nil).value
    }

    /// Parses a whole document and also returns the literal text of every number that is the value
    /// of member `key` of a top-level object (index 0) or of an object element of a top-level array
    /// (the element's index). JSON-RPC ids are echoed this way: `1e2`, `-0` and integers beyond 64
    /// bits come back byte for byte, which no Double or Int64 could promise.
    public static func parse(
        _ bytes: some Collection<UInt8>, keepingNumberTextOf key: String
    ) throws(JSONParseError) -> (value: JSONValue, numberTexts: [Int: String]) {
        let inPlace = bytes.withContiguousStorageIfAvailable { input in
            Result { () throws(JSONParseError) -> (value: JSONValue, numberTexts: [Int: String]) in
                try parseBuffer(input, keepingNumberTextOf: key)
            }
        }
        if let inPlace { return try inPlace.get() }
        return try Array(bytes).withUnsafeBufferPointer { (input) throws(JSONParseError) -> (value: JSONValue, numberTexts: [Int: String]) in
            try parseBuffer(input, keepingNumberTextOf: key)
        }
    }

    private static func parseBuffer(
        _ input: UnsafeBufferPointer<UInt8>, keepingNumberTextOf key: String?
    ) throws(JSONParseError) -> (value: JSONValue, numberTexts: [Int: String]) {
        var parser = JSONParser(input: input, trackedKey: key)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0, envelope: 0)
        parser.skipWhitespace()
        guard parser.index == input.count else { throw parser.failure("unexpected data after the JSON value") }
        return (value, parser.numberTexts)
    }

    private let input: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// The member whose numbers' text is kept, in top-level objects only.
    private let trackedKey: String?
    private var numberTexts: [Int: String] = [:]

    private init(input: UnsafeBufferPointer<UInt8>, trackedKey: String?) {
        self.input = input
        self.trackedKey = trackedKey
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }

    private var atEnd: Bool { index >= input.count }

    private mutating func skipWhitespace() {
        while index < input.count {
            switch input[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// `envelope`: the position of this value among the top-level objects whose tracked member is
    /// kept as text (0 for the document itself, the index for a top-level array's elements), else nil.
    private mutating func value(depth: Int, envelope: Int? = nil) throws(JSONParseError) -> JSONValue {
        guard !atEnd else { throw failure("unexpected end of input") }
        switch input[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1, envelope: envelope)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard input.count - index >= count else { throw failure("unexpected end of input") }
        for offset in 0..<count where input[index + offset] != word.utf8Start[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    private mutating func object(depth: Int, envelope: Int?) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if !atEnd && input[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard !atEnd, input[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard !atEnd, input[index] == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            let keyOffset = index
            // Parsers disagree on duplicate keys (Foundation keeps the first, others the last), so an
            // object that says two things is refused rather than read one way here and another elsewhere.
            let member = try value(depth: depth)
            if let envelope, key == trackedKey {
                switch member {
                case .int, .double:
                    numberTexts[envelope] = String(decoding: UnsafeBufferPointer(rebasing: input[keyOffset..<index]), as: UTF8.self)
                default: break
                }
            }
            guard members.updateValue(member, forKey: key) == nil else {
                throw JSONParseError(reason: "duplicate key \"\(key.prefix(64))\"", offset: keyOffset)
            }
            skipWhitespace()
            guard !atEnd else { throw failure("unexpected end of input in an object") }
            if input[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if input[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw failure("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd && input[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            // Only a top-level array's elements (depth 1) are request envelopes.
            elements.append(try value(depth: depth, envelope: depth == 1 ? elements.count : nil))
            skipWhitespace()
            guard !atEnd else { throw failure("unexpected end of input in an array") }
            if input[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if input[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw failure("expected ',' or ']' in an array")
        }
    }

    /// A string literal; the fast path takes unescaped runs as they are, after UTF-8 validation.
    private mutating func string() throws(JSONParseError) -> String {
        index += 1
        let start = index
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "\"") {
                let text = try validated(start..<index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("unescaped control character in a string") }
            index += 1
        }
        var bytes = Array(input[start..<index])
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try validated(bytes)
            case UInt8(ascii: "\\"):
                try escape(into: &bytes)
            case 0..<0x20:
                throw failure("unescaped control character in a string")
            default:
                bytes.append(byte)
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    private func validated(_ range: Range<Int>) throws(JSONParseError) -> String {
        guard let text = String(validating: UnsafeBufferPointer(rebasing: input[range]), as: UTF8.self) else {
            throw JSONParseError(reason: "invalid UTF-8 in a string", offset: range.lowerBound)
        }
        return text
    }

    private func validated(_ bytes: [UInt8]) throws(JSONParseError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
        return text
    }

    private mutating func escape(into bytes: inout [UInt8]) throws(JSONParseError) {
        index += 1
        guard !atEnd else { throw failure("unterminated escape") }
        let code = input[index]
        index += 1
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(code)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800...0xDBFF).contains(scalar) {
                guard input.count - index >= 6, input[index] == UInt8(ascii: "\\"), input[index + 1] == UInt8(ascii: "u") else {
                    throw failure("unpaired surrogate in a \\u escape")
                }
                index += 2
                let low = UInt32(try hex4())
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate in a \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("unpaired surrogate in a \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            bytes.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw failure("invalid escape character")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt16 {
        guard input.count - index >= 4 else { throw failure("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = input[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// An integer that fits Int64 stays exact; anything with a fraction or exponent, or too large, is a Double.
    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        if input[index] == UInt8(ascii: "-") { index += 1 }
        guard !atEnd else { throw failure("truncated number") }
        if input[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(input[index]) {
            skipDigits()
        } else {
            throw failure("invalid number")
        }
        var isInteger = true
        if !atEnd && input[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard !atEnd, isDigit(input[index]) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if !atEnd && (input[index] == UInt8(ascii: "e") || input[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if !atEnd && (input[index] == UInt8(ascii: "+") || input[index] == UInt8(ascii: "-")) { index += 1 }
            guard !atEnd, isDigit(input[index]) else { throw failure("expected a digit in the exponent") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw JSONParseError(reason: "number out of range", offset: start) }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private mutating func skipDigits() {
        while index < input.count && isDigit(input[index]) { index += 1 }
    }
}

extension JSONValue {
    /// Parses JSON bytes (see `JSONParser`).
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        self = try JSONParser.parse(bytes)
    }
}
