import Crypto
import Foundation

/// Seals secrets for storage with AES-256-GCM: a copy of the database without the key reveals
/// nothing, and a sealed value moved to another row fails to open (the row's name is bound in as
/// authenticated data).
public struct Sealer: Sendable {
    private let key: SymmetricKey

    /// A sealer over a 32-byte key.
    public init(key: SymmetricKey) {
        self.key = key
    }

    /// `plaintext` sealed (nonce ‖ ciphertext ‖ tag), bound to `context`.
    public func seal(_ plaintext: String, context: String) throws -> Data {
        do {
            guard let combined = try AES.GCM.seal(Data(plaintext.utf8), using: key, authenticating: Data(context.utf8)).combined else {
                throw SealingError.cannotSeal
            }
            return combined
        } catch let error as SealingError {
            throw error
        } catch {
            throw SealingError.cannotSeal
        }
    }

    /// The plaintext of a value sealed with the same key and `context`.
    public func open(_ sealed: Data, context: String) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)), as: UTF8.self)
        } catch {
            throw SealingError.cannotOpen(context: context)
        }
    }
}

/// Why a sealed value could not be made or read.
public enum SealingError: Error, CustomStringConvertible, Sendable, Equatable {
    case cannotSeal
    case cannotOpen(context: String)
    case badKey(String)
    case keyFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .cannotSeal: "could not seal a token for storage"
        case .cannotOpen(let context):
            "the stored \(context) cannot be opened with this key (was the key file replaced?); run `gatehouse login` again"
        case .badKey(let detail): "the sealing key is unusable: \(detail)"
        case .keyFile(let path, let detail): "the sealing key file \(path) is unusable: \(detail)"
        }
    }
}
