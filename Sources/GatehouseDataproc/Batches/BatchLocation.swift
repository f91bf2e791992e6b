import GatehouseCore

/// Where an entity's Serverless batches run: a project and a region (`projects/{p}/locations/{r}`),
/// named by the entity's annotations. No cluster is needed: an entity may name only this.
public struct BatchLocation: Sendable, Hashable, Codable {
    /// The annotation that names a Serverless target.
    public enum Annotation {
        /// `dataproc.googleapis.com/serverless-region`: the region batches run in; without it, `dataproc.googleapis.com/region`.
        public static let serverlessRegion = "dataproc.googleapis.com/serverless-region"
    }

    public var project: String
    public var region: String

    /// A location.
    public init(project: String, region: String) {
        self.project = project
        self.region = region
    }

    /// The location from an entity's annotations; the error names what is missing.
    public init(annotations: [String: String], entity: String) throws(DataprocError) {
        let project = annotations[DataprocLocation.Annotation.project] ?? ""
        let serverless = annotations[Annotation.serverlessRegion] ?? ""
        let region = serverless.isEmpty ? annotations[DataprocLocation.Annotation.region] ?? "" : serverless
        var missing: [String] = []
        if project.isEmpty { missing.append(DataprocLocation.Annotation.project) }
        if region.isEmpty { missing.append("\(Annotation.serverlessRegion) (or \(DataprocLocation.Annotation.region))") }
        guard missing.isEmpty else { throw .notConfigured(entity: entity, missing: missing) }
        self.init(project: project, region: region)
    }

    /// `v1/projects/{project}/locations/{region}`, the prefix of every batch path.
    public var locationPath: String { "v1/projects/\(project)/locations/\(region)" }
}

/// Dataproc's `batchId`: 4–63 of `[a-z0-9-]`, the same for every attempt of one local batch.
public enum BatchID {
    /// The local id itself when it fits (Gatehouse's ids do), else `gh-` and a stable hash of it.
    public static func derive(from localID: String) -> String {
        if isValid(localID) { return localID }
        let hash = Redaction.fingerprint(localID).dropFirst("sha256:".count)
        return "gh-" + hash.lowercased()
    }

    /// Whether `text` is usable as a `batchId` as it is.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        return (4...63).contains(bytes.count)
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): true
                default: false
                }
            }
    }
}
