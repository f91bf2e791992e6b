import GatehouseCore

/// The sandbox's default Backstage catalog: the demo organisation in `Fixtures/demo-world.yaml`,
/// embedded in the binary so `gatehouse-sandbox` serves it from any directory.
///
/// `group:default/platform` ⊃ `data-eng` ⊃ `team-a` and `team-b`; alice is in team-a, bob in
/// team-b. Dashboards 12 and 34 belong to team-a's components, 56 to team-b's;
/// `analytics-pipeline` is the production Dataproc workload.
public enum DemoWorld {
    /// The entities as multi-document YAML, in Backstage's own format.
    public static var yaml: String { String(decoding: PackageResources.demo_world_yaml, as: UTF8.self) }

    /// The entities, parsed.
    public static func entities() throws -> [JSONValue] {
        try YAMLDocuments.load(yaml).filter { $0["kind"] != nil && $0["apiVersion"] != nil }
    }
}
