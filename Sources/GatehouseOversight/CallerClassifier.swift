import Foundation
import GatehousePeer

/// A named caller class from `oversight.caller_classes`: `NAME=GLOB` or `NAME=sha256:HEX`.
public struct CallerClassPattern: Sendable, Equatable {
    /// How the class recognises a process.
    public enum Matcher: Sendable, Equatable {
        /// fnmatch(3) glob over the executable path of the caller or any of its ancestors (`*` also crosses `/`).
        case path(String)
        /// The caller's own executable, by content: survives renames and copies.
        case sha256(String)
    }

    /// The class name recorded as `callerClass`.
    public let name: String
    /// What it matches.
    public let matcher: Matcher

    /// Parses one `NAME=GLOB` / `NAME=sha256:HEX` entry.
    public init(parsing text: String) throws(OversightError) {
        guard let equals = text.firstIndex(of: "=") else { throw .badCallerClass(text) }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !value.isEmpty else { throw .badCallerClass(text) }
        // A configured name must never make a process look interactive: only a terminal does that.
        guard name != CallerClass.interactive, name != CallerClass.automation else { throw .reservedCallerClass(name) }
        self.name = name
        if value.lowercased().hasPrefix("sha256:") {
            let hex = value.dropFirst("sha256:".count).lowercased()
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { throw .badCallerClass(text) }
            matcher = .sha256("sha256:" + hex)
        } else {
            matcher = .path(value)
        }
    }
}

/// The built-in caller classes.
public enum CallerClass {
    /// The process has a controlling terminal: a person is (probably) at it. Only these may approve.
    public static let interactive = "interactive"
    /// No terminal and no named class: scripts, daemons, cron.
    public static let automation = "automation"
}

/// A caller's class and the fact that decided it.
public struct CallerClassification: Sendable, Equatable {
    /// `interactive`, `automation` or a configured name.
    public let name: String
    /// Why, in words: which executable matched, or whether there is a terminal.
    public let because: String

    /// True for `interactive`.
    public var isInteractive: Bool { name == CallerClass.interactive }
}

/// Classifies callers from kernel facts: named classes first (the caller's executable by path or
/// hash, then its ancestors' by path, nearest first), then `interactive` with a controlling
/// terminal, else `automation`. Ancestors count so that an agent cannot become "a person" by
/// running the CLI from a shell it spawned.
public struct CallerClassifier: Sendable {
    /// The named classes, tried in order.
    public let patterns: [CallerClassPattern]
    private let hasher: ExecutableHasher

    /// A classifier over `patterns`, in the order they were configured.
    public init(patterns: [CallerClassPattern], hasher: ExecutableHasher = .shared) {
        self.patterns = patterns
        self.hasher = hasher
    }

    /// Parses `oversight.caller_classes` entries.
    public init(entries: [String], hasher: ExecutableHasher = .shared) throws(OversightError) {
        var patterns: [CallerClassPattern] = []
        for entry in entries { patterns.append(try CallerClassPattern(parsing: entry)) }
        self.init(patterns: patterns, hasher: hasher)
    }

    /// The class of `peer`.
    public func classify(_ peer: PeerCredentials) -> CallerClassification {
        // Hash only when a pattern needs it: the first hash of a large binary takes a moment.
        let needsHash = patterns.contains { if case .sha256 = $0.matcher { true } else { false } }
        let digest = needsHash ? peer.executableSHA256(using: hasher) : nil
        for pattern in patterns {
            switch pattern.matcher {
            case .sha256(let wanted) where digest == wanted:
                return CallerClassification(name: pattern.name, because: "executable \(peer.executable ?? "?") has \(wanted)")
            case .path(let glob):
                if let exe = peer.executable, Self.glob(glob, matches: exe) {
                    return CallerClassification(name: pattern.name, because: "executable \(exe) matches \(glob)")
                }
                if let ancestor = peer.parents.first(where: { $0.executable.map { Self.glob(glob, matches: $0) } ?? false }) {
                    return CallerClassification(
                        name: pattern.name,
                        because: "ancestor \(ancestor.name) (pid \(ancestor.pid)) runs \(ancestor.executable ?? "?"), which matches \(glob)")
                }
            default:
                continue
            }
        }
        return peer.hasTerminal
            ? CallerClassification(name: CallerClass.interactive, because: "the process has a controlling terminal")
            : CallerClassification(name: CallerClass.automation, because: "the process has no controlling terminal")
    }

    static func glob(_ pattern: String, matches path: String) -> Bool {
        fnmatch(pattern, path, 0) == 0
    }
}
