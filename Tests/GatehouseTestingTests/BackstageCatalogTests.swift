import Foundation
import GatehouseCore
import Testing

@testable import GatehouseTesting

@Suite("Backstage catalog sandbox")
struct BackstageCatalogTests {
    private func refs(of response: LoopbackResponse) -> [String] {
        (response.json?["items"]?.arrayValue ?? []).map { item in
            "\(item["kind"]?.stringValue?.lowercased() ?? ""):\(item.value(at: "metadata.namespace")?.stringValue ?? "")/\(item.value(at: "metadata.name")?.stringValue ?? "")"
        }
    }

    @Test func paginationWalksEveryEntityExactlyOnce() async throws {
        try await withManualSandbox { sandbox in
            var seen: [String] = []
            var next: String? = "/api/catalog/entities/by-query?limit=4"
            var total = -1
            var pages = 0
            while let path = next, pages < 100 {
                let page = try await LoopbackHTTP.get(sandbox.backstageURL.with(path))
                #expect(page.status == 200)
                total = Int(page.json?["totalItems"]?.intValue ?? -1)
                seen += refs(of: page)
                next = page.json?.value(at: "pageInfo.nextCursor")?.stringValue.map { "/api/catalog/entities/by-query?limit=4&cursor=\($0)" }
                pages += 1
            }
            #expect(total == sandbox.backstage.entityCount)
            #expect(seen.count == total)
            #expect(Set(seen).count == seen.count)
            #expect(seen.contains("user:default/alice"))
            #expect(seen.contains("component:default/artist-lookup"))
        }
    }

    @Test func filtersAreCaseInsensitiveAndOrAcrossParameters() async throws {
        try await withManualSandbox { sandbox in
            let users = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?filter=kind=USER&limit=100"))
            let userRefs = refs(of: users)
            #expect(!userRefs.isEmpty)
            #expect(userRefs.allSatisfy { $0.hasPrefix("user:") })

            let groups = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?filter=kind=group&limit=100"))
            let both = try await LoopbackHTTP.get(
                sandbox.backstageURL.with("/api/catalog/entities/by-query?filter=kind=group&filter=kind=user&limit=100"))
            #expect(both.json?["totalItems"]?.intValue == (users.json?["totalItems"]?.intValue ?? 0) + (groups.json?["totalItems"]?.intValue ?? 0))

            let production = try await LoopbackHTTP.get(
                sandbox.backstageURL.with(
                    "/api/catalog/entities/by-query?filter=kind=component,spec.lifecycle=production,metadata.annotations.dataproc.googleapis.com/cluster"
                ))
            #expect(refs(of: production) == ["component:default/analytics-pipeline"])

            let owned = try await LoopbackHTTP.get(
                sandbox.backstageURL.with("/api/catalog/entities/by-query?filter=relations.ownedby=group:default/team-b&fields=metadata.name"))
            #expect(owned.json?["items"]?.arrayValue?.compactMap { $0.value(at: "metadata.name")?.stringValue } == ["billing-etl"])
            #expect(owned.json?["items"]?.arrayValue?.first?["spec"] == nil)
        }
    }

    @Test func relationsAreComputedLikeBackstage() async throws {
        try await withManualSandbox { sandbox in
            let teamA = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-name/group/default/team-a"))
            let relations = (teamA.json?["relations"]?.arrayValue ?? []).map {
                "\($0["type"]?.stringValue ?? "") \($0["targetRef"]?.stringValue ?? "")"
            }
            #expect(relations.contains("hasMember user:default/alice"))
            #expect(relations.contains("hasMember user:default/breanna.davison"))
            #expect(relations.contains("childOf group:default/data-eng"))
            #expect(relations.contains("ownerOf component:default/artist-lookup"))
            #expect(!relations.contains("hasMember user:default/bob"))

            let artist = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-name/component/default/artist-lookup"))
            let artistRelations = (artist.json?["relations"]?.arrayValue ?? []).map {
                "\($0["type"]?.stringValue ?? "") \($0["targetRef"]?.stringValue ?? "")"
            }
            #expect(artistRelations.contains("ownedBy group:default/team-a"))
            #expect(artistRelations.contains("partOf system:default/artist-engagement-portal"))
            #expect(artistRelations.contains("dependsOn resource:default/artists-db"))
            #expect(artist.json?.value(at: "metadata.namespace")?.stringValue == "default")
            let uid = try #require(artist.json?.value(at: "metadata.uid")?.stringValue)
            #expect(artist.json?.value(at: "metadata.etag")?.stringValue?.isEmpty == false)

            let byUID = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-uid/\(uid)"))
            #expect(byUID.json?.value(at: "metadata.name")?.stringValue == "artist-lookup")
        }
    }

    @Test func byRefsKeepsRequestOrderWithNullForMissing() async throws {
        try await withManualSandbox { sandbox in
            let response = try await LoopbackHTTP.postJSON(
                sandbox.backstageURL.with("/api/catalog/entities/by-refs"),
                ["entityRefs": ["user:default/bob", "component:default/nope", "group:default/platform"], "fields": ["metadata.name"]])
            let items = response.json?["items"]?.arrayValue ?? []
            #expect(items.count == 3)
            #expect(items.first?.value(at: "metadata.name")?.stringValue == "bob")
            #expect(items.count == 3 && items[1].isNull)
            #expect(items.last?.value(at: "metadata.name")?.stringValue == "platform")
        }
    }

    @Test func strictQueryAndOptionalBearerAuth() async throws {
        try await withStrictSandbox({ $0.backstageToken = "catalog-token" }) { sandbox in
            let anonymous = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query"))
            #expect(anonymous.status == 401)
            #expect(anonymous.json?.value(at: "error.name")?.stringValue == "AuthenticationError")
            #expect(anonymous.json?.value(at: "response.statusCode")?.intValue == 401)
            #expect(anonymous.json?.value(at: "request.method")?.stringValue == "GET")

            let auth = ["Authorization": "Bearer catalog-token"]
            let ok = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=1"), headers: auth)
            #expect(ok.status == 200)
            let badLimit = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=many"), headers: auth)
            #expect(badLimit.status == 400)
            #expect(badLimit.json?.value(at: "error.message")?.stringValue?.contains("limit") == true)
            let badCursor = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?cursor=%21%21"), headers: auth)
            #expect(badCursor.status == 400)
        }
    }

    @Test func syntheticCatalogBuildsDeepGroupHierarchy() async throws {
        try await withManualSandbox({
            $0.includeExamples = false
            $0.syntheticEntities = 5000
            $0.syntheticGroupDepth = 8
        }) { sandbox in
            #expect(sandbox.backstage.entityCount == 5000)
            let groups = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?filter=kind=group&limit=1"))
            #expect(groups.json?["totalItems"]?.intValue == 1000)
            // Walk up from the deepest chain member: 7 parents to the root.
            var ref = "group:default/group-000007"
            var depth = 1
            while depth < 20, let entity = sandbox.backstage.entity(ref: ref),
                let parent = entity["relations"]?.arrayValue?.first(where: { $0["type"] == "childOf" })?["targetRef"]?.stringValue
            {
                ref = parent
                depth += 1
            }
            #expect(depth == 8)
            let page = try await LoopbackHTTP.get(sandbox.backstageURL.with("/api/catalog/entities/by-query?limit=500"))
            #expect(page.json?["items"]?.arrayValue?.count == 500)
        }
    }
}
