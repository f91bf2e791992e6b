import Foundation
import GatehouseCatalog
import GatehouseCore
import GatehouseHTTP
import GatehouseStore
import GatehouseTestSupport
import GatehouseTesting
import Testing

/// An in-process sandbox, a fresh store in a temp directory, and a sync between them.
struct CatalogHarness: StoppableResource {
    let sandbox: Sandbox
    let store: Store
    let sync: CatalogSync
    let reader: CatalogReader

    static func start(pageSize: Int = 500, seed: SandboxSeed? = nil) async throws -> CatalogHarness {
        var configuration = SandboxConfiguration()
        configuration.seed = seed
        let sandbox = try await Sandbox.start(configuration)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-catalog-\(UUID().uuidString)")
        let store = try Store(path: directory.appendingPathComponent("gatehouse.db").path)
        // No retries and a lenient breaker, so an injected fault fails the sync exactly where it is set.
        let http = HTTPClient(configuration: .init(retry: .none, breaker: .init(failureThreshold: 10_000)))
        let client = BackstageClient(http: http, baseURL: sandbox.backstageURL.absoluteString)
        return CatalogHarness(
            sandbox: sandbox, store: store, sync: CatalogSync(client: client, store: store, pageSize: pageSize), reader: CatalogReader(store: store))
    }

    func stop() async {
        store.close()
        await sandbox.stop()
    }
}

func ref(_ text: String) throws -> EntityRef { try EntityRef(parsing: text) }
