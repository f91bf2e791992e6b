import Foundation
import GRDB
import GatehouseAudit
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
    let store: Store
    let links: DashboardLinks
    let embedEnabled: Bool
    let embedSessionSeconds: Int

    /// The daemon's own Looker session (service account); nil when `looker.base_url` is unset.
    public let serviceSession: LookerServiceSession?
    /// Rotation of the service account's pair; nil when `looker.base_url` is unset.
    public let rotation: LookerCredentialRotation?
    /// Seconds between rotations (0: never).
    let rotateEvery: Int
    /// Looker's System Activity, for joining audit records with Looker's own history.
    public let activity: LookerActivity?

    /// Builds the service from the `looker.*` keys; without `looker.base_url` the methods explain how to configure it.
    /// `tokens` receives the embed users, so `token.get` for looker hands out a person's own token.
    public init(context: BrokerContext, gate: PolicyGate, catalog: CatalogReader, tokens: LookerTokenSlot? = nil) throws {
        self.gate = gate
        store = context.store
        links = DashboardLinks(catalog: catalog)
        let config = context.config
        typealias Keys = ConfigKeys.Looker
        embedEnabled = config[Keys.embed]
        embedSessionSeconds = config[Keys.embedSessionSeconds]
        rotateEvery = config[Keys.rotateEvery]
        guard let baseURL = config[Keys.baseURL] else {
            service = nil
            serviceSession = nil
            rotation = nil
            activity = nil
            return
        }
        guard let clientID = config[Keys.clientID], let secretFile = config[Keys.clientSecretFile] else {
            throw LookerError.notConfigured("looker.base_url is set, so looker.client_id and looker.client_secret_file must be too")
        }
        // Query results and rotated secrets are sealed with the same key as tokens.
        let sealer = Sealer(key: try context.sealingKey.load())
        // A pair made by an earlier rotation replaces the configured one (which that rotation deleted in Looker).
        let credentials =
            try LookerCredentialRotation.storedCredentials(store: context.store, sealer: sealer, baseURL: baseURL)
            ?? LookerAPICredentials.load(clientID: clientID, secretFile: secretFile)
        let session = LookerServiceSession(http: context.http, baseURL: baseURL, credentials: credentials)
        serviceSession = session
        rotation = LookerCredentialRotation(session: session, store: context.store, sealer: sealer, baseURL: baseURL, logger: context.logger)
        activity = LookerActivity(service: session)
        let client: LookerClient
        var people: LookerEmbedUsers?
        if config[Keys.people] == .embed {
            let mapping = LookerAttributeMapping(
                teams: config[Keys.attributeTeams] ?? "", entities: config[Keys.attributeEntities] ?? "")
            let embedUsers = LookerEmbedUsers(
                service: session, profiles: { principal in try await Self.profile(of: principal, catalog: catalog, mapping: mapping) },
                models: config[Keys.embedModels], sessionSeconds: embedSessionSeconds)
            people = embedUsers
            client = LookerClient(
                http: context.http, baseURL: baseURL, credentials: embedUsers, lookerUser: session.lookerUser,
                identity: LookerEmbedUsers.lookerUser(for:))
            tokens?.fill(embedUsers)
        } else {
            client = LookerClient(http: context.http, baseURL: baseURL, credentials: session, lookerUser: session.lookerUser)
            tokens?.refuse(
                because:
                    "looker.people is 'service': reads run as the daemon's service account, whose token is never handed out; set looker.people: embed for your own Looker token"
            )
        }
        let cache = DashboardCache(store: context.store, sealer: sealer, maxBytes: config[Keys.cacheMaxBytes])
        let service = DashboardService(
            client: client, cache: cache, http: context.http, freshFor: TimeInterval(config[Keys.freshTTL]), people: people,
            logger: context.logger)
        self.service = service
        if let people {
            // Keep each person's embed user in step with the catalog; a change drops what they had cached.
            let logger = context.logger
            context.events.subscribe { event in
                guard case .catalogSynced = event else { return }
                for principal in people.knownPeople {
                    do {
                        if try await people.update(principal) { try await service.invalidate(principal) }
                    } catch {
                        logger.warning(
                            "could not bring the Looker embed user in step with the catalog",
                            metadata: ["subject": "\(principal.subject)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    /// A person's Looker profile from the catalog: their teams (every group they are in, by name) and what those teams own.
    static func profile(of principal: Principal, catalog: CatalogReader, mapping: LookerAttributeMapping) async throws -> LookerPersonProfile {
        let (owned, membership, _) = try await catalog.owned(by: principal)
        let teams = membership.groups.keys.compactMap { try? EntityRef(parsing: $0).name }
        return mapping.profile(for: principal, teams: teams, entities: owned.map(\.entity.ref))
    }

    public var methods: [RPCMethod] { DashboardMethods(component: self).all }

    /// Lets background refreshes finish at shutdown, so none is cut off mid-write.
    public func run() async {
        let interval = rotateEvery > 0 ? rotateEvery : 3600
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(interval))
            // A refusal is kept in `status`; the current pair stays in use.
            if rotateEvery > 0, !Task.isCancelled { try? await rotation?.rotate() }
        }
        await service?.waitForRefreshes()
    }

    public var statusKey: String { "dashboards" }

    public func status() async -> [String: JSONValue] {
        guard let service else { return ["configured": false] }
        let entries = (try? await service.allCachedEntries()) ?? []
        return [
            "configured": true, "offline": .bool(service.isOffline), "cached": .int(Int64(entries.count)),
            "cachedBytes": .int(Int64(entries.map(\.bytes).reduce(0, +))), "cacheMaxBytes": .int(Int64(service.cache.maxBytes)),
            "freshTTLSeconds": .int(Int64(service.freshFor)), "lookerUser": .string(serviceSession?.lookerUser ?? service.client.lookerUser),
            "people": .string(service.people == nil ? "service" : "embed"),
            "rotation": rotationStatus,
        ]
    }

    private var rotationStatus: JSONValue {
        guard let report = rotation?.report else { return .null }
        var result: [String: JSONValue] = ["everySeconds": .int(Int64(rotateEvery)), "rotations": .int(Int64(report.rotations))]
        if let at = report.lastRotatedAt { result["lastRotatedAt"] = .string(Timestamp.string(at)) }
        if let refusal = report.lastRefusal { result["lastRefusal"] = .string(refusal) }
        if let leftOver = report.leftOver { result["leftOverClientId"] = .string(leftOver) }
        return .object(result)
    }

    /// The audit record `seq`, as `audit.query` shows it.
    func auditRecord(seq: Int64) async throws -> JSONValue {
        var request = AuditQuery()
        request.cursor = seq - 1
        request.limit = 1
        let query = request
        let page = try await store.pool.read { db in try AuditMethods.runQuery(query, db) }
        guard let record = page["records"]?.arrayValue?.first, record["seq"]?.intValue == seq else {
            throw RPCError(.notFound, reason: "no_such_record", message: "there is no audit record \(seq)")
        }
        return record
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
