import Foundation
import GatehouseCore
import Synchronization

/// One request and its answer as the contract check reads them (`scripts/contract/`).
public struct RecordedExchange: Codable, Sendable {
    /// Which upstream answered.
    public var upstream: SandboxUpstream
    /// The router's path template that matched (e.g. `/api/4.0/dashboards/{dashboard_id}`), nil when none did.
    public var route: String?
    /// HTTP method.
    public var method: String
    /// Path without the query.
    public var path: String
    /// Raw query (secret parameter values redacted).
    public var query: String
    /// Request `Content-Type`.
    public var requestContentType: String?
    /// The scheme of the `Authorization` header (`bearer`, `token`, `basic`), never its credentials.
    public var authorizationScheme: String?
    /// Request body text, secrets redacted.
    public var requestBody: String
    /// Status answered; nil when the connection was closed without an answer.
    public var status: Int?
    /// Response `Content-Type`.
    public var responseContentType: String?
    /// Response body text, secrets redacted (empty when larger than the recording limit).
    public var responseBody: String
    /// True when the response body was too large to record.
    public var responseTruncated: Bool
    /// The fault that shaped the answer, if any (the contract check skips these).
    public var fault: String?
}

/// Appends every exchange of every upstream to a JSON Lines file, for the contract check.
///
/// Off unless a path is configured (`--record-exchanges`, or `GATEHOUSE_SANDBOX_EXCHANGES` for
/// sandboxes started inside test processes). Several sandboxes and processes may share one file:
/// each line is one `write` on an `O_APPEND` descriptor.
public final class ExchangeRecorder: Sendable {
    /// Bodies larger than this are not recorded (synthetic catalogs make very large pages).
    static let bodyLimit = 1 << 20
    private let descriptor: Int32
    private let lock = Mutex(())

    /// Opens (creating if needed) `path` for appending.
    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ExchangeRecorderError.cannotOpen(path: path, errno: errno) }
    }

    deinit { close(descriptor) }

    /// The recorder the environment asks for, if any.
    static func fromEnvironment() throws -> ExchangeRecorder? {
        guard let path = ProcessInfo.processInfo.environment["GATEHOUSE_SANDBOX_EXCHANGES"], !path.isEmpty else { return nil }
        return try ExchangeRecorder(path: path)
    }

    /// Writes one exchange as one line.
    func record(_ exchange: RecordedExchange) { append(exchange) }

    /// Writes the routes a starting sandbox serves as one line `{"routes": [...]}`, so the check
    /// can tell served-but-never-exercised routes.
    func record(routes: [SandboxRoute]) { append(["routes": routes]) }

    private func append(_ value: some Encodable) {
        guard var line = try? JSONEncoder.canonical.encode(value) else { return }
        line.append(0x0A)
        lock.withLock { _ in
            line.withUnsafeBytes { bytes in _ = write(descriptor, bytes.baseAddress, bytes.count) }
        }
    }

    /// Body text safe to write: JSON and form bodies with secret values replaced.
    static func redactedBody(_ data: Data, contentType: String?) -> String {
        let type = contentType?.lowercased() ?? ""
        let text = String(decoding: data, as: UTF8.self)
        if type.contains("x-www-form-urlencoded") { return Redaction.formEncoded(text) }
        guard type.contains("json"), let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return text }
        return redactingSecretStrings(value).canonicalString
    }

    /// Replaces string values of secret-named members only: numbers stay numbers (Google's
    /// `error.code` is not a secret), so the redacted body still has the spec's types.
    private static func redactingSecretStrings(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            .object(
                members.reduce(into: [:]) { out, member in
                    out[member.key] =
                        Redaction.isSecret(name: member.key) && member.value.stringValue != nil
                        ? .string(Redaction.placeholder) : redactingSecretStrings(member.value)
                })
        case .array(let values):
            .array(values.map(redactingSecretStrings))
        default:
            value
        }
    }
}

/// The exchange file could not be opened.
public enum ExchangeRecorderError: Error, CustomStringConvertible {
    /// `open(2)` failed.
    case cannotOpen(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            "Cannot open the exchange log \(path) for appending (\(String(cString: strerror(code)))); choose a writable path."
        }
    }
}
