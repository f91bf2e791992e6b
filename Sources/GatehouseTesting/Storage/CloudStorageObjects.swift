import Foundation
import Synchronization

/// The objects written to the Cloud Storage stand-in: uploads (`objects.insert` with
/// `uploadType=media`) and the driver output of real Spark runs. The simulated driver output is
/// not held here; it is derived from the sandbox clock (`DriverOutput`).
///
/// Memory is bounded: the store refuses writes beyond `capacity` bytes in total.
public final class CloudStorageObjects: Sendable {
    /// One stored object.
    public struct Object: Sendable {
        /// Bucket name.
        public var bucket: String
        /// Object name within the bucket.
        public var name: String
        /// When it was written (sandbox clock): its creation time and generation.
        public var writtenAt: Date
        /// The bytes.
        public var content: Data
    }

    /// Writing would take the store past its capacity.
    public struct Full: Error, CustomStringConvertible {
        /// The capacity in bytes.
        public var capacity: Int
        public var description: String { "The sandbox's Cloud Storage holds at most \(capacity >> 20) MiB; reset it (POST /admin/reset)." }
    }

    private struct State {
        var objects: [String: Object] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    /// The most bytes held at once.
    public let capacity: Int

    /// An empty store holding at most `capacity` bytes.
    public init(capacity: Int = 256 << 20) {
        self.capacity = capacity
    }

    private static func key(_ bucket: String, _ name: String) -> String { bucket + "/" + name }

    /// Writes (or replaces) an object.
    @discardableResult
    public func put(bucket: String, name: String, content: Data, at writtenAt: Date) throws(Full) -> Object {
        let object = Object(bucket: bucket, name: name, writtenAt: writtenAt, content: content)
        let stored: Bool = state.withLock { state in
            let replaced = state.objects[Self.key(bucket, name)]?.content.count ?? 0
            guard state.bytes - replaced + content.count <= capacity else { return false }
            state.bytes += content.count - replaced
            state.objects[Self.key(bucket, name)] = object
            return true
        }
        guard stored else { throw Full(capacity: capacity) }
        return object
    }

    /// The object, if it exists.
    public func object(bucket: String, name: String) -> Object? {
        state.withLock { $0.objects[Self.key(bucket, name)] }
    }

    /// Every object of `bucket`.
    public func objects(in bucket: String) -> [Object] {
        state.withLock { state in state.objects.values.filter { $0.bucket == bucket } }
    }

    /// Whether any object lives in `bucket` (the stand-in's buckets exist once written to).
    public func holds(bucket: String) -> Bool {
        state.withLock { state in state.objects.values.contains { $0.bucket == bucket } }
    }

    /// Forgets every object.
    public func reset() { state.withLock { $0 = State() } }
}

extension CloudStorageObjects.Object {
    /// The object as the stand-in's routes serve every object.
    var chunk: DriverOutput.Chunk { DriverOutput.Chunk(name: name, writtenAt: writtenAt, content: content) }
}
