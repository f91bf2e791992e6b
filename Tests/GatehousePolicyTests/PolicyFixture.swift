import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseHTTP
import GatehousePolicy
import GatehouseStore
import GatehouseTesting

/// One sandbox catalog synced once for the whole suite: the examples, the demo org, and a few
/// extra users, groups and components the rules below talk about.
struct PolicyFixture: Sendable {
    let reader: CatalogReader
    let store: Store

    static let shared = Task { try await PolicyFixture.make() }

    static let rules: [PolicyRule] = [
        PolicyRule(name: "frozen", effect: .deny, actions: ["job.submit", "job.cancel"], labels: ["frozen": "true"]),
        PolicyRule(name: "alice-frozen-grant", effect: .allow, actions: ["job.submit"], users: ["alice"], entities: ["frozen-svc"]),
        PolicyRule(
            name: "data-eng-owners-prod", effect: .allow, actions: ["job.submit"], groups: ["data-eng"], lifecycles: ["production"], owners: true),
        PolicyRule(name: "sre-prod", effect: .allow, actions: ["job.submit", "job.view"], groups: ["sre"], kinds: ["component"]),
        PolicyRule(
            name: "sre-dashboards", effect: .allow, actions: ["dashboard.view"], groups: ["group:default/sre"],
            annotations: ["looker.com/dashboard-ids": "*"]),
        PolicyRule(name: "auditors", effect: .allow, actions: ["audit.read"], groups: ["platform"]),
        PolicyRule(name: "team-a-tokens", effect: .allow, actions: ["token.get"], groups: ["team-a"]),
    ]

    static let seed = SandboxSeed(backstageEntities: [
        entity("Group", "sre", spec: ["type": "team", "children": []]),
        entity("User", "dana", spec: ["memberOf": ["data-eng"], "profile": ["email": "dana@example.com"]]),
        entity("User", "pat", spec: ["memberOf": ["platform"], "profile": ["email": "pat@example.com"]]),
        entity("User", "sam", spec: ["memberOf": ["sre"], "profile": ["email": "sam@example.com"]]),
        entity("Component", "frozen-svc", labels: ["frozen": "true"], spec: ["type": "service", "lifecycle": "experimental", "owner": "team-a"]),
        entity(
            "Component", "platform-portal", annotations: ["looker.com/dashboard-ids": "90"],
            spec: ["type": "website", "lifecycle": "experimental", "owner": "platform"]),
    ])

    static func entity(
        _ kind: String, _ name: String, labels: [String: JSONValue] = [:], annotations: [String: JSONValue] = [:], spec: [String: JSONValue]
    ) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if !labels.isEmpty { metadata["labels"] = .object(labels) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        return ["apiVersion": "backstage.io/v1alpha1", "kind": .string(kind), "metadata": .object(metadata), "spec": .object(spec)]
    }

    static func make() async throws -> PolicyFixture {
        var configuration = SandboxConfiguration()
        configuration.seed = seed
        let sandbox = try await Sandbox.start(configuration)
        let store = try temporaryStore()
        let client = BackstageClient(http: HTTPClient(), baseURL: sandbox.backstageURL.absoluteString)
        _ = try await CatalogSync(client: client, store: store).run()
        await sandbox.stop()  // every decision below is made offline, from the snapshot
        return PolicyFixture(reader: CatalogReader(store: store), store: store)
    }

    static func temporaryStore() throws -> Store {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-policy-\(UUID().uuidString)")
        return try Store(path: directory.appendingPathComponent("gatehouse.db").path)
    }

    static func principal(_ who: String) -> Principal {
        switch who {
        case "alice": Principal(subject: "alice", issuer: "test", email: "alice@example.com", groups: ["team-a"])
        case "bob": Principal(subject: "bob", issuer: "test", email: "bob@example.com")
        case "breanna": Principal(subject: "0f3c-opaque-id", issuer: "test", email: "Breanna-Davison@example.com")
        case "claims-only": Principal(subject: "carol", issuer: "test", email: "carol@example.com", groups: ["team-b"])
        case "mallory": Principal(subject: "mallory", issuer: "test", email: "mallory@example.com")
        default: Principal(subject: who, issuer: "test", email: "\(who)@example.com")
        }
    }
}
