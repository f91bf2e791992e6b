import CYaml
import Foundation

/// Limits a YAML document must respect before Yams builds anything from it.
///
/// Yams resolves an alias by sharing the anchored node, so composing stays cheap, but everything
/// after it (checking a mapping's keys for duplicates, turning nodes into values, decoding) walks
/// the expanded tree: a dozen lines of nested aliases ("billion laughs") expand to billions of
/// nodes and take all memory. So the event stream is scanned first, in constant memory per
/// anchor, counting nodes as they would be after expansion; a document over a limit is refused
/// before any of it is built.
public struct YAMLBounds: Sendable {
    /// The largest file accepted, in bytes.
    public var maxBytes: Int
    /// The most nodes (scalars, sequences, mappings) after aliases are expanded.
    public var maxNodes: Int
    /// The deepest nesting of sequences and mappings.
    public var maxDepth: Int

    /// Bounds for the config file and the policy rules file: both are a few hundred lines at most.
    public static let configuration = YAMLBounds(maxBytes: 1 << 20, maxNodes: 100_000, maxDepth: 64)

    /// Bounds of `maxBytes` bytes, `maxNodes` nodes and `maxDepth` levels.
    public init(maxBytes: Int, maxNodes: Int, maxDepth: Int) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    /// Why a document was refused. `description` is completed by the caller with the file's name.
    public enum Violation: Error, Equatable, CustomStringConvertible, Sendable {
        case tooManyNodes(limit: Int)
        case tooDeep(limit: Int)
        case undefinedAlias(String)
        /// libyaml could not parse it; Yams reports these better, so the caller lets Yams try.
        case syntax

        public var description: String {
            switch self {
            case .tooManyNodes(let limit):
                "it expands to more than \(limit) values (YAML aliases that repeat other aliases, a \"billion laughs\" document?)"
            case .tooDeep(let limit): "it nests more than \(limit) levels deep"
            case .undefinedAlias(let name): "alias *\(name) refers to no anchor"
            case .syntax: "it is not valid YAML"
            }
        }
    }

    /// Scans `text` and throws the first limit it passes (the size is the caller's to check).
    public func check(_ text: String) throws(Violation) {
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw .syntax }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(Violation) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            try scan(&parser)
        }
    }

    private func scan(_ parser: inout yaml_parser_t) throws(Violation) {
        /// Expanded node counts of the collections still open, innermost last.
        var open: [Int] = []
        /// The anchors of the collections still open, parallel to `open`.
        var openAnchors: [String?] = []
        /// Expanded node count of each anchored node seen.
        var anchored: [String: Int] = [:]
        var total = 0
        func add(_ count: Int) throws(Violation) {
            total += count
            guard total <= maxNodes else { throw .tooManyNodes(limit: maxNodes) }
            if !open.isEmpty { open[open.count - 1] += count }
        }
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw .syntax }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_SCALAR_EVENT:
                try add(1)
                if let anchor = Self.text(event.data.scalar.anchor) { anchored[anchor] = 1 }
            case YAML_ALIAS_EVENT:
                let name = Self.text(event.data.alias.anchor) ?? ""
                guard let count = anchored[name] else { throw .undefinedAlias(name) }
                try add(count)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard open.count < maxDepth else { throw .tooDeep(limit: maxDepth) }
                let anchor =
                    event.type == YAML_SEQUENCE_START_EVENT
                    ? Self.text(event.data.sequence_start.anchor) : Self.text(event.data.mapping_start.anchor)
                try add(1)
                open.append(1)
                openAnchors.append(anchor)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let count = open.removeLast()
                if let anchor = openAnchors.removeLast() { anchored[anchor] = count }
                // The collection's own node was already counted in its parent when it opened.
                if !open.isEmpty { open[open.count - 1] += count - 1 }
            default:
                break
            }
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
