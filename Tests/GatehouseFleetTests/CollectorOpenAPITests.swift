import Foundation
import GatehouseCollector
import Testing
import Yams

@Suite struct CollectorOpenAPITests {
    /// docs/collector-openapi.yaml, found from this file (tests run from the package root or elsewhere).
    static let documentPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/collector-openapi.yaml").path

    @Test func theDocumentDescribesExactlyTheRoutesTheCollectorServes() throws {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        var documented: Set<CollectorRoute> = []
        for (path, value) in paths {
            let operations = try #require(value as? [String: Any])
            for method in operations.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert(CollectorRoute(method: method.uppercased(), path: path))
                let operation = try #require(operations[method] as? [String: Any])
                #expect(operation["responses"] != nil, "\(method) \(path) documents no responses")
            }
        }
        #expect(documented == Set(CollectorAPI.routes))
    }
}
