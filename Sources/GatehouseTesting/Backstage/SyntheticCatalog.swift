import GatehouseCore

/// Generates a large, deterministic catalog for load tests and benchmarks: 20% groups in a
/// hierarchy `groupDepth` deep, 40% users (each a member of one group) and 40% components owned
/// by groups and annotated for Looker and Dataproc.
public struct SyntheticCatalog: Sendable {
    /// How many entities to generate.
    public var count: Int
    /// Depth of the group hierarchy (the first `groupDepth` groups form a chain, so it is reached).
    public var groupDepth: Int
    /// Dashboard ids the components are annotated with, in rotation.
    public var dashboardIds: [String]

    /// A generator for `count` entities.
    public init(count: Int, groupDepth: Int = 8, dashboardIds: [String] = ["12", "34", "56", "78", "90"]) {
        self.count = max(0, count)
        self.groupDepth = max(1, groupDepth)
        self.dashboardIds = dashboardIds.isEmpty ? ["12"] : dashboardIds
    }

    /// The entities, in Backstage's format (relations are computed by the catalog).
    public func entities() -> [JSONValue] {
        let groupCount = count == 0 ? 0 : max(1, count / 5)
        let userCount = (count - groupCount) / 2
        let componentCount = count - groupCount - userCount
        var random = SplitMix(seed: 0x5EED)
        var entities: [JSONValue] = []
        entities.reserveCapacity(count)

        var levels: [Int] = []
        var possibleParents: [Int] = []
        for index in 0..<groupCount {
            var spec: [String: JSONValue] = ["type": "team", "children": []]
            let level: Int
            if index == 0 {
                level = 0
            } else {
                let parent = index < groupDepth ? index - 1 : possibleParents[random.next(below: possibleParents.count)]
                level = levels[parent] + 1
                spec["parent"] = .string(Self.name("group", parent))
            }
            levels.append(level)
            if level < groupDepth - 1 { possibleParents.append(index) }
            entities.append(Self.entity(kind: "Group", name: Self.name("group", index), annotations: [:], spec: spec))
        }
        for index in 0..<userCount {
            let group = Self.name("group", random.next(below: max(groupCount, 1)))
            let name = Self.name("user", index)
            entities.append(
                Self.entity(
                    kind: "User", name: name, annotations: [:],
                    spec: [
                        "profile": ["displayName": .string("User \(index)"), "email": .string("\(name)@example.com")],
                        "memberOf": [.string(group)],
                    ]))
        }
        for index in 0..<componentCount {
            let owner = Self.name("group", random.next(below: max(groupCount, 1)))
            let project = "synthetic-project-\(index % 10)"
            entities.append(
                Self.entity(
                    kind: "Component", name: Self.name("component", index),
                    annotations: [
                        "looker.com/dashboard-ids": .string(dashboardIds[index % dashboardIds.count]),
                        "dataproc.googleapis.com/project": .string(project),
                        "dataproc.googleapis.com/region": .string(index % 2 == 0 ? "europe-west1" : "us-central1"),
                        "dataproc.googleapis.com/cluster": .string("cluster-\(index % 25)"),
                    ],
                    spec: [
                        "type": "service", "lifecycle": index % 3 == 0 ? "production" : "experimental", "owner": .string(owner),
                    ]))
        }
        return entities
    }

    private static func name(_ prefix: String, _ index: Int) -> String {
        let digits = String(index)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    private static func entity(kind: String, name: String, annotations: [String: JSONValue], spec: [String: JSONValue]) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        return ["apiVersion": "backstage.io/v1alpha1", "kind": .string(kind), "metadata": .object(metadata), "spec": .object(spec)]
    }
}

/// A small deterministic generator, so synthetic catalogs are identical run to run.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}
