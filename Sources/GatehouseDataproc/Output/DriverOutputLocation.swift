/// Where Dataproc writes a workload's driver output: the `gs://bucket/prefix` of a job's
/// `driverOutputResourceUri` or a batch's `runtimeInfo.outputUri`, under which the chunks
/// `prefix.000000000`, `prefix.000000001`, … appear as the driver writes.
public struct DriverOutputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The Cloud Storage bucket.
    public var bucket: String
    /// The object name prefix the chunk numbers follow.
    public var prefix: String

    /// Parses `gs://bucket/prefix`; nil for anything else.
    public init?(uri: String) {
        guard uri.hasPrefix("gs://") else { return nil }
        let path = uri.dropFirst("gs://".count)
        guard let slash = path.firstIndex(of: "/"), slash != path.startIndex, path.index(after: slash) != path.endIndex else { return nil }
        bucket = String(path[..<slash])
        prefix = String(path[path.index(after: slash)...])
    }

    /// The object name of chunk `index` (nine digits, as Dataproc numbers them).
    public func chunkName(_ index: Int) -> String {
        let digits = String(index)
        return prefix + "." + String(repeating: "0", count: max(0, 9 - digits.count)) + digits
    }

    /// The chunk number in an object name under this prefix, or nil when it is not a chunk.
    public func chunkIndex(of name: String) -> Int? {
        guard name.hasPrefix(prefix + ".") else { return nil }
        let digits = name.dropFirst(prefix.count + 1)
        guard digits.count == 9, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// `gs://bucket/prefix`.
    public var description: String { "gs://\(bucket)/\(prefix)" }
}
