import Crypto
import Foundation
import GatehouseCore

/// Where the 32-byte sealing key comes from: managed hosts pass it in (environment or an
/// inherited file descriptor); workstations keep it in a 0600 file beside the database.
public enum SealingKeySource: Sendable, Equatable {
    /// Base64 of 32 bytes (the `GATEHOUSE_KEY` variable).
    case base64(String)
    /// An open file descriptor to read 32 raw bytes or base64 text from.
    case fileDescriptor(Int32)
    /// A key file, created with mode 0600 on first use.
    case file(String)

    /// The source for a daemon: `GATEHOUSE_KEY`, else the descriptor if given, else `keyFile`.
    public static func resolve(environment: [String: String], fileDescriptor: Int32?, keyFile: String) -> SealingKeySource {
        if let text = environment["GATEHOUSE_KEY"], !text.isEmpty { return .base64(text) }
        if let fileDescriptor { return .fileDescriptor(fileDescriptor) }
        return .file(keyFile)
    }

    /// The same key from a source that can be read again: a descriptor is read to its end once,
    /// so it is read now and the key itself is kept; other sources are returned as they are.
    public func pinned() throws(SealingError) -> SealingKeySource {
        guard case .fileDescriptor = self else { return self }
        let key = try load()
        return .base64(key.withUnsafeBytes { Data($0).base64EncodedString() })
    }

    /// Loads (or for a file, creates) the key.
    public func load() throws(SealingError) -> SymmetricKey {
        switch self {
        case .base64(let text):
            return try Self.key(from: Data(text.utf8), origin: "GATEHOUSE_KEY")
        case .fileDescriptor(let descriptor):
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
            let data = (try? handle.readToEnd()) ?? Data()
            return try Self.key(from: data, origin: "file descriptor \(descriptor)")
        case .file(let path):
            return try Self.loadOrCreate(path)
        }
    }

    private static func key(from data: Data, origin: String) throws(SealingError) -> SymmetricKey {
        if data.count == 32 { return SymmetricKey(data: data) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let decoded = Data(base64Encoded: text), decoded.count == 32 else {
            throw .badKey("\(origin) must hold 32 bytes, raw or base64 (e.g. `head -c32 /dev/urandom | base64`)")
        }
        return SymmetricKey(data: decoded)
    }

    private static func loadOrCreate(_ path: String) throws(SealingError) -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            guard !PrivateFiles.isExposed(path) else {
                throw .keyFile(path: path, detail: "mode \(PrivateFiles.mode(of: path) ?? "?") lets others read it; run `chmod 600 \(path)`")
            }
            guard let data = FileManager.default.contents(atPath: path) else { throw .keyFile(path: path, detail: "cannot read it") }
            return try key(from: data, origin: path)
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        // O_EXCL: two daemons starting at once must not each write a different key.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return try loadOrCreate(path) }
            throw .keyFile(path: path, detail: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, 32) }
        guard written == 32, fsync(descriptor) == 0 else { throw .keyFile(path: path, detail: "could not write the new key") }
        return key
    }
}
