import Foundation
import GatehouseCore
import Hummingbird
import Synchronization

/// The Backstage catalog stand-in under `/api/catalog`: by-query (cursor pagination, filters,
/// projection, ordering, full text), by-name, by-uid, by-refs and the legacy list.
///
/// Query parameters are checked against `backstage-catalog-openapi.yaml`. When `token` is set,
/// every request needs `Authorization: Bearer <token>`.
public final class BackstageCatalogSandbox: Sendable {
    /// The entities as registered, and their index; replaced whole by an edit, so a request that
    /// took the index once sees one consistent catalog.
    private let current: Mutex<(raw: [JSONValue], index: CatalogIndex)>
    let token: String?
    let faults: FaultBoard
    let spec: JSONValue?

    /// A catalog over `entities` (raw Backstage entities; relations, uids and etags are computed).
    public init(entities: [JSONValue], token: String? = nil, spec: JSONValue?, faults: FaultBoard) {
        self.current = Mutex((entities, CatalogIndex(rawEntities: entities)))
        self.token = token
        self.spec = spec
        self.faults = faults
    }

    /// The catalog as it is now.
    var index: CatalogIndex { current.withLock { $0.index } }

    /// Changes the owner of the entity `ref` (e.g. `component:default/x`), as an edit of its
    /// catalog-info.yaml would: later reads see it, with `ownedBy`/`ownerOf` recomputed. False when
    /// no such entity is registered.
    @discardableResult
    public func setOwner(of ref: String, to owner: String) -> Bool {
        guard let target = EntityRef(parsing: ref, defaultKind: nil) else { return false }
        return current.withLock { current in
            guard let position = current.raw.firstIndex(where: { EntityRef(of: $0)?.key == target.key }) else { return false }
            current.raw[position] = current.raw[position].setting(["spec", "owner"], to: .string(owner))
            current.index = CatalogIndex(rawEntities: current.raw)
            return true
        }
    }

    /// Registers `entity` (a raw Backstage entity), replacing one with the same ref, as adding a
    /// catalog-info.yaml would.
    public func register(_ entity: JSONValue) {
        let key = EntityRef(of: entity)?.key
        current.withLock { current in
            current.raw.removeAll { EntityRef(of: $0)?.key == key }
            current.raw.append(entity)
            current.index = CatalogIndex(rawEntities: current.raw)
        }
    }

    /// How many entities the catalog holds.
    public var entityCount: Int { index.entities.count }

    /// The stored entity (as served) for a ref such as `group:default/team-a`.
    public func entity(ref: String) -> JSONValue? {
        EntityRef(parsing: ref, defaultKind: nil).flatMap { index.entity(ref: $0)?.value }
    }

    /// Adds the catalog routes to `router`.
    public func addRoutes(to router: Router<SandboxRequestContext>) {
        let catalog = router.group("api/catalog")
        catalog.get("entities/by-query") { request, context in try self.byQuery(request) }
        catalog.get("entities") { request, context in try self.legacyList(request) }
        catalog.get("entities/by-name/{kind}/{namespace}/{name}") { request, context in try self.byName(request, context) }
        catalog.get("entities/by-uid/{uid}") { request, context in try self.byUID(request, context) }
        catalog.post("entities/by-refs") { request, context in try await self.byRefs(request) }
    }

    /// Checks auth and the query parameters of the spec operation `path`.
    private func admit(_ request: Request, path: String, method: String = "get") throws(SandboxHTTPError) {
        if let header = request.headers[.authorization] {
            guard let (scheme, credentials) = request.authorizationCredentials, scheme == "bearer", !credentials.isEmpty else {
                throw .unauthorized("Invalid authorization header: expected 'Bearer <token>'.")
            }
            _ = header
            if let token, credentials != token { throw .unauthorized("Invalid token.") }
        } else if token != nil {
            throw .unauthorized("Missing credentials: send Authorization: Bearer <token>.")
        }
        try QueryParameterRules.openAPI(spec, path: path, method: method)?.check(request.sandboxQueryItems)
    }

    private func fields(_ request: Request) -> [String]? {
        let values = request.sandboxQueryItems.filter { $0.name == "fields" }.flatMap { $0.value.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return values.isEmpty ? nil : values
    }

    private func nonNegative(_ name: String, in request: Request, default value: Int) throws(SandboxHTTPError) -> Int {
        guard let text = request.sandboxQueryItems.last(where: { $0.name == name })?.value else { return value }
        guard let number = Int(text), number >= 0 else { throw .badRequest("Invalid \(name) '\(text)': expected a non-negative integer.") }
        return number
    }

    /// Encodes items, reusing each entity's pre-encoded JSON when there is no projection.
    private func itemsJSON(_ entities: some Sequence<CatalogEntity>, fields: [String]?) -> Data {
        var data = Data("[".utf8)
        var first = true
        for entity in entities {
            if !first { data.append(UInt8(ascii: ",")) }
            first = false
            data.append(fields.map { JSONResponse.encode(entity.value.projected(onto: $0)) } ?? entity.json)
        }
        data.append(UInt8(ascii: "]"))
        return data
    }

    private func byQuery(_ request: Request) throws -> Response {
        try admit(request, path: "/entities/by-query")
        let items = request.sandboxQueryItems
        let limit = try nonNegative("limit", in: request, default: 20)
        var query = CatalogQuery()
        var offset = try nonNegative("offset", in: request, default: 0)
        if let cursorText = items.last(where: { $0.name == "cursor" })?.value {
            let cursor = try CatalogCursor(decoding: cursorText)
            query = cursor.query
            offset = cursor.offset
        } else {
            query.filter = items.filter { $0.name == "filter" }.map(\.value)
            query.orderField = items.filter { $0.name == "orderField" }.map(\.value)
            query.fullTextTerm = items.last { $0.name == "fullTextFilterTerm" }?.value
            query.fullTextFields = items.filter { $0.name == "fullTextFilterFields" }.flatMap { $0.value.split(separator: ",").map(String.init) }
        }
        let page = limit == 0 ? 1 : offset / limit + 1
        if faults.consume(.dropOnPage, on: .backstage, where: { ($0.page ?? 2) == page }) != nil {
            throw DropConnection(fault: "drop-on-page")
        }
        let index = self.index
        let matches = try index.matches(query)
        let slice = matches.dropFirst(offset).prefix(limit)
        var pageInfo: [String: JSONValue] = [:]
        if offset + slice.count < matches.count {
            pageInfo["nextCursor"] = .string(CatalogCursor(query: query, offset: offset + slice.count).encoded)
        }
        if offset > 0 {
            pageInfo["prevCursor"] = .string(CatalogCursor(query: query, offset: max(0, offset - limit)).encoded)
        }
        var data = Data(#"{"items":"#.utf8)
        data.append(itemsJSON(slice.lazy.map { index.entities[$0] }, fields: fields(request)))
        data.append(Data(#","totalItems":\#(matches.count),"pageInfo":"#.utf8))
        data.append(JSONResponse.encode(.object(pageInfo)))
        data.append(UInt8(ascii: "}"))
        return JSONResponse.raw(data)
    }

    private func legacyList(_ request: Request) throws -> Response {
        try admit(request, path: "/entities")
        var query = CatalogQuery()
        query.filter = request.sandboxQueryItems.filter { $0.name == "filter" }.map(\.value)
        let offset = try nonNegative("offset", in: request, default: 0)
        let limit = try nonNegative("limit", in: request, default: .max)
        let index = self.index
        let matches = try index.matches(query).dropFirst(offset).prefix(limit)
        return JSONResponse.raw(itemsJSON(matches.lazy.map { index.entities[$0] }, fields: fields(request)))
    }

    private func byName(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try admit(request, path: "/entities/by-name/{kind}/{namespace}/{name}")
        let ref = EntityRef(
            kind: context.parameters.get("kind") ?? "", namespace: context.parameters.get("namespace") ?? "",
            name: context.parameters.get("name") ?? "")
        guard let entity = index.entity(ref: ref) else { throw SandboxHTTPError.notFound("No entity named '\(ref)' found") }
        return JSONResponse.raw(entity.json)
    }

    private func byUID(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        try admit(request, path: "/entities/by-uid/{uid}")
        let uid = context.parameters.get("uid") ?? ""
        guard let entity = index.entity(uid: uid) else { throw SandboxHTTPError.notFound("No entity with uid \(uid)") }
        return JSONResponse.raw(entity.json)
    }

    private func byRefs(_ request: Request) async throws -> Response {
        try admit(request, path: "/entities/by-refs", method: "post")
        let body = try await JSONResponse.jsonBody(of: request)
        guard let members = body.objectValue else { throw SandboxHTTPError.badRequest("The body must be a JSON object {entityRefs, fields?}.") }
        if let unknown = members.keys.first(where: { !["entityRefs", "fields"].contains($0) }) {
            throw SandboxHTTPError.badRequest("Unknown body field '\(unknown)': expected entityRefs and optionally fields.")
        }
        guard let refs = body["entityRefs"]?.arrayValue, refs.allSatisfy({ $0.stringValue != nil }) else {
            throw SandboxHTTPError.badRequest("entityRefs is required and must be an array of strings.")
        }
        var fields: [String]?
        if let given = body["fields"] {
            guard let list = given.arrayValue?.compactMap(\.stringValue), list.count == given.arrayValue?.count else {
                throw SandboxHTTPError.badRequest("fields must be an array of strings.")
            }
            fields = list
        }
        let index = self.index
        var data = Data(#"{"items":["#.utf8)
        for (position, ref) in refs.enumerated() {
            if position > 0 { data.append(UInt8(ascii: ",")) }
            let text = ref.stringValue ?? ""
            guard let parsed = EntityRef(parsing: text, defaultKind: nil), text.contains(":") else {
                throw SandboxHTTPError.badRequest("Invalid entity ref '\(text)': expected kind:namespace/name.")
            }
            if let entity = index.entity(ref: parsed) {
                data.append(fields.map { JSONResponse.encode(entity.value.projected(onto: $0)) } ?? entity.json)
            } else {
                data.append(Data("null".utf8))
            }
        }
        data.append(Data("]}".utf8))
        return JSONResponse.raw(data)
    }
}
