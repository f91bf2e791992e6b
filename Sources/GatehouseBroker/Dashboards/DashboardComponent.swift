import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseIdentity
import GatehouseLooker
import GatehousePolicy
import GatehouseRPC
import GatehouseStore
import Logging

/// Looker dashboards in the daemon: `dashboard.list`, `dashboard.get` and `dashboard.embedUrl`,
/// each for a catalog entity whose `looker.com/dashboard-ids` annotation names the dashboards,
/// each allowed by policy (`dashboard.view` on the entity) first.
public final class DashboardComponent: BrokerComponent {
    /// The catalog annotation listing an entity's Looker dashboard ids (comma-separated).
    public static let annotation = "looker.com/dashboard-ids"

    /// Dashboards with the stale-while-revalidate cache; nil when `looker.base_url` is unset.
    public let service: DashboardService?
    let gate: PolicyGate
    let links: DashboardLinks
    let embedEnabled: Bool
    let embedSessionSeconds: Int

    /// Builds the service from the `looker.*` keys; without `looker.base_url` the methods explain how to configure it.
    public init(context: BrokerContext, gate: PolicyGate, catalog: CatalogReader) throws {
        self.gate = gate
        links = DashboardLinks(catalog: catalog)
        let config = context.config
        typealias Keys = ConfigKeys.Looker
        embedEnabled = config[Keys.embed]
        embedSessionSeconds = config[Keys.embedSessionSeconds]
        guard let baseURL = config[Keys.baseURL] else {
            service = nil
            return
        }
        guard let clientID = config[Keys.clientID], let secretFile = config[Keys.clientSecretFile] else {
            throw LookerError.notConfigured("looker.base_url is set, so looker.client_id and looker.client_secret_file must be too")
        }
        let credentials = try LookerAPICredentials.load(clientID: clientID, secretFile: secretFile)
        let client = LookerClient(http: context.http, baseURL: baseURL, credentials: credentials)
        // Query results are business data: sealed with the same key as tokens.
        let sealer = Sealer(key: try context.sealingKey.load())
        let cache = DashboardCache(store: context.store, sealer: sealer, maxBytes: config[Keys.cacheMaxBytes])
        service = DashboardService(
            client: client, cache: cache, http: context.http, freshFor: TimeInterval(config[Keys.freshTTL]), logger: context.logger)
    }

    public var methods: [RPCMethod] { DashboardMethods(component: self).all }

    /// Lets background refreshes finish at shutdown, so none is cut off mid-write.
    public func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await service?.waitForRefreshes()
    }

    public var statusKey: String { "dashboards" }

    public func status() async -> [String: JSONValue] {
        guard let service else { return ["configured": false] }
        let entries = (try? await service.cachedEntries()) ?? [:]
        return [
            "configured": true, "offline": .bool(service.isOffline), "cached": .int(Int64(entries.count)),
            "cachedBytes": .int(Int64(entries.values.map(\.bytes).reduce(0, +))), "cacheMaxBytes": .int(Int64(service.cache.maxBytes)),
            "freshTTLSeconds": .int(Int64(service.freshFor)), "lookerUser": .string(service.client.lookerUser),
        ]
    }

    func dashboards() throws(LookerError) -> DashboardService {
        guard let service else { throw .notConfigured("set looker.base_url, looker.client_id and looker.client_secret_file") }
        return service
    }

    /// Asks policy, then reads the entity's dashboard ids from the catalog snapshot.
    func authorizedDashboardIDs(_ call: RPCCall, entity text: String) async throws -> (EntityRef, [String], Principal) {
        let ref = try EntityRef(parsing: text)
        let decision = try await gate.authorize(call, action: "dashboard.view", entity: ref.description)
        guard let principal = await gate.resolve(nil) else {
            throw RPCError(.unauthorized, reason: "not_signed_in", message: "sign in first (`gatehouse login`)")
        }
        return (ref, try await links.ids(of: ref, snapshotAt: decision.snapshotAt), principal)
    }
}
