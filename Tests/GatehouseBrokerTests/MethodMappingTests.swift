import Foundation
import GatehouseAudit
import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseIdentity
import GatehouseOversight
import GatehouseRPC
import GatehouseStore
import GatehouseTestSupport
import Logging
import Testing

@testable import GatehouseBroker

/// The broker's mapping from features to RPC: which component serves which methods, and how each
/// feature's errors reach callers (code and the stable `data.reason` scripts branch on).
@Suite("Broker method mapping")
struct MethodMappingTests {
    /// Every component of a daemon whose upstreams are all configured (nothing is contacted here).
    static func components() throws -> [any BrokerComponent] {
        let store = try TemporaryStore().store
        let config = try Config.load(
            file: nil, environment: [:],
            flags: [
                "identity.issuer": "http://127.0.0.1:9", "catalog.base_url": "http://127.0.0.1:9",
                "dataproc.base_url": "http://127.0.0.1:9/",
            ])
        let context = try BrokerContext(config: config, store: store, audit: AuditLog(store: store), logger: Logger(label: "test"))
        return try Daemon.makeComponents(context)
    }

    /// The method families each component serves, by its status key.
    static let families: [String: Set<String>] = [
        "identity": ["auth", "token"], "catalog": ["catalog"], "policy": ["policy"], "dashboards": ["dashboard"],
        "approvals": ["approval"], "jobs": ["job"], "clusters": ["cluster"], "fleet": ["fleet"],
        "batches": ["batch"],
    ]

    @Test func eachComponentServesItsOwnFamilyOfMethodsOnce() throws {
        let components = try Self.components()
        #expect(Set(components.map(\.statusKey)) == Set(Self.families.keys))
        var seen: [String: String] = [:]
        for component in components {
            #expect(!component.methods.isEmpty, "\(component.statusKey) serves nothing")
            for method in component.methods {
                let family = String(method.name.prefix { $0 != "." })
                #expect(Self.families[component.statusKey]?.contains(family) == true, "\(component.statusKey) serves \(method.name)")
                #expect(seen.updateValue(component.statusKey, forKey: method.name) == nil, "\(method.name) is served twice")
                #expect(!method.summary.isEmpty, "\(method.name) has no summary")
            }
        }
    }

    @Test func featureErrorsReachCallersWithTheirCodeAndReason() {
        let cases: [(any RPCErrorConvertible, RPCErrorCode, String)] = [
            (CatalogError.noSnapshot, .notFound, "no_snapshot"),
            (CatalogError.notFound(ref: "component:default/x"), .notFound, "not_found"),
            (DataprocError.unknownJob("gh-1"), .notFound, "unknown_job"),
            (DataprocError.conflict("already ended"), .conflict, "job_state"),
            (OversightError.notFound(id: "apr-1"), .notFound, "approval_not_found"),
            (OversightError.alreadyDecided(id: "apr-1", state: "approved"), .conflict, "approval_already_decided"),
        ]
        for (error, code, reason) in cases {
            let answer = error.rpcError
            #expect(answer.code == code.rawValue, "\(error)")
            #expect(answer.reason == reason, "\(error)")
        }
    }
}
