import GatehouseCatalog
import GatehouseCore
import GatehouseDataproc
import GatehouseIdentity
import GatehouseLooker
import GatehouseOversight
import GatehousePolicy

extension Daemon {
    /// Builds the broker's components in dependency order. Each module's owner adds its line here;
    /// later components take earlier ones as arguments (e.g. policy takes catalog and identity). What
    /// happens later between them (a sync finished, signing out, an approval settled) goes through
    /// `context.events`, not through references to each other.
    static func makeComponents(_ context: BrokerContext) throws -> [any BrokerComponent] {
        var components: [any BrokerComponent] = []
        // `token print --audience looker` gives the person's own embed-user token, once the looker component fills the slot.
        let lookerTokens = LookerTokenSlot()
        let identity = try IdentityComponent(context: context, looker: lookerTokens)
        components.append(identity)
        // catalog + policy
        let catalogReader = CatalogReader(store: context.store)
        let signedIn: @Sendable () async -> Principal? = { identity.service?.currentPrincipal() }
        let policy = try PolicyComponent(context: context, catalog: catalogReader, principal: signedIn)
        let catalog = try CatalogComponent(context: context, principal: signedIn)
        components += [catalog, policy]
        // looker
        components.append(try DashboardComponent(context: context, gate: policy.gate, catalog: catalogReader, tokens: lookerTokens))
        // oversight (before dataproc: the jobs component takes it as its ApprovalGate)
        let oversight = try OversightComponent(
            context: context, catalog: catalogReader, principal: signedIn,
            authentication: identity.service.map { service in { @Sendable in service.lastAuthentication() } })
        components.append(oversight)
        // dataproc
        let googleToken: DataprocClient.TokenProvider = {
            guard let service = identity.service else {
                throw IdentityError.notConfigured("identity.issuer is not set, so there is no Google token for Dataproc")
            }
            return try await service.accessToken(for: .google(scopes: [DataprocClient.scope])).value
        }
        let dataproc = try JobComponent(context: context, catalog: catalogReader, policy: policy.gate, approvals: oversight, token: googleToken)
        components.append(dataproc)
        // dataproc clusters: torn down at logout (before the tokens go) and when ownership moves (both
        // through context.events)
        let clusters = try ClusterComponent(
            context: context, catalog: catalogReader, policy: policy.gate, approvals: oversight,
            client: dataproc.client, sender: dataproc.service.sender, principal: signedIn)
        components.append(clusters)
        // dataproc serverless batches: the jobs' client, sender, output reader and approval action
        components.append(BatchComponent(context: context, catalog: catalogReader, policy: policy.gate, approvals: oversight, jobs: dataproc))
        // fleet: ships the audit chain to the collector in the background
        components.append(FleetComponent(context: context, identity: identity.service))
        return components
    }
}
