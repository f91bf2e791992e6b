/// Where a job runs: the project, region and cluster a catalog entity names in its annotations.
public struct DataprocLocation: Sendable, Hashable, Codable {
    /// The annotation keys Gatehouse reads from a catalog entity.
    public enum Annotation {
        /// `dataproc.googleapis.com/project`
        public static let project = "dataproc.googleapis.com/project"
        /// `dataproc.googleapis.com/region`
        public static let region = "dataproc.googleapis.com/region"
        /// `dataproc.googleapis.com/cluster`
        public static let cluster = "dataproc.googleapis.com/cluster"
    }

    public var project: String
    public var region: String
    public var cluster: String

    /// A location.
    public init(project: String, region: String, cluster: String) {
        self.project = project
        self.region = region
        self.cluster = cluster
    }

    /// The location from an entity's annotations; the error names the missing ones.
    public init(annotations: [String: String], entity: String) throws(DataprocError) {
        let keys = [Annotation.project, Annotation.region, Annotation.cluster]
        let missing = keys.filter { (annotations[$0] ?? "").isEmpty }
        guard missing.isEmpty else { throw .notConfigured(entity: entity, missing: missing) }
        self.init(project: annotations[Annotation.project]!, region: annotations[Annotation.region]!, cluster: annotations[Annotation.cluster]!)
    }

    /// `v1/projects/{project}/regions/{region}`, the prefix of every regional Dataproc path.
    public var regionPath: String { "v1/projects/\(project)/regions/\(region)" }
}
