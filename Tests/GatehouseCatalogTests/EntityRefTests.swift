import GatehouseCatalog
import Testing

@Suite("EntityRef")
struct EntityRefTests {
    @Test(
        "fills kind and namespace from context, compares case-insensitively",
        arguments: [
            ("artist-lookup", "component", "component:default/artist-lookup"),
            ("team-a", "group", "group:default/team-a"),
            ("Group:Default/Team-A", "component", "group:default/team-a"),
            ("development/guest", "user", "user:development/guest"),
            ("resource:artists-db", "component", "resource:default/artists-db"),
        ])
    func parses(text: String, defaultKind: String, expected: String) throws {
        #expect(try EntityRef(parsing: text, defaultKind: defaultKind).description == expected)
    }

    @Test("rejects text that is not a ref", arguments: ["", "component:", "a/b/c", "kind:ns/", ":x"])
    func rejects(text: String) {
        #expect(throws: CatalogError.self) { try EntityRef(parsing: text) }
    }
}
