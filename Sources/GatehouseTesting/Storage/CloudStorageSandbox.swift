import Crypto
import Foundation
import GatehouseCore
import Hummingbird

/// The Cloud Storage JSON API subset Dataproc's driver output is read through, on its own port:
///
/// - `GET /storage/v1/b/{bucket}` (buckets.get: the staging bucket)
/// - `GET /storage/v1/b/{bucket}/o?prefix=&delimiter=&maxResults=&pageToken=` (objects.list)
/// - `GET /storage/v1/b/{bucket}/o/{object}` (objects.get: metadata) and `?alt=media` (content),
///   also as `GET /download/storage/v1/b/{bucket}/o/{object}?alt=media` (the download service)
/// - `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=` (objects.insert, simple media
///   upload: the body is the content), so a PySpark script and its data can be uploaded as to
///   Cloud Storage for `--spark local` runs
///
/// The objects are the driver output chunks of the Dataproc stand-in's jobs and batches, in its
/// staging bucket, appearing as the simulated (or real Spark) drivers write them, plus whatever
/// was uploaded (`DataprocSandbox.objects`; any bucket exists once written to). Callers need a Bearer token
/// the Dataproc stand-in accepts, with a Cloud Platform or Cloud Storage scope. No Cloud Storage
/// spec is among the published contracts, so the accepted query parameters are listed here
/// from the API's reference (objects.list, objects.get and the system parameters).
public final class CloudStorageSandbox: Sendable {
    private let dataproc: DataprocSandbox

    /// Serves the driver output of `dataproc`'s jobs and batches.
    public init(dataproc: DataprocSandbox) {
        self.dataproc = dataproc
    }

    /// Scopes that allow reading objects.
    static let readScopes: Set<String> = [
        SandboxAccessToken.cloudPlatformScope, "https://www.googleapis.com/auth/cloud-platform.read-only",
        "https://www.googleapis.com/auth/devstorage.read_only", "https://www.googleapis.com/auth/devstorage.read_write",
        "https://www.googleapis.com/auth/devstorage.full_control",
    ]

    private static let systemParameters = [
        "alt", "fields", "key", "oauth_token", "access_token", "prettyPrint", "quotaUser", "userIp", "callback", "uploadType", "upload_protocol",
        "$.xgafv",
    ]

    private static func rules(_ parameters: [String: String]) -> QueryParameterRules {
        var rules: [String: QueryParameterRules.Rule] = [:]
        for (name, type) in parameters { rules[name] = .init(type: type, required: false, repeatable: false, allowed: nil) }
        for name in systemParameters {
            rules[name] = .init(
                type: name == "prettyPrint" ? "boolean" : "string", required: false, repeatable: false,
                allowed: name == "alt" ? ["json", "media"] : name == "$.xgafv" ? ["1", "2"] : nil, system: true)
        }
        rules["projection"]?.allowed = ["full", "noAcl"]
        return QueryParameterRules(rules: rules)
    }

    private static let listRules = rules([
        "prefix": "string", "delimiter": "string", "maxResults": "integer", "pageToken": "string", "versions": "boolean", "projection": "string",
        "startOffset": "string", "endOffset": "string", "includeTrailingDelimiter": "boolean", "matchGlob": "string", "softDeleted": "boolean",
        "includeFoldersAsPrefixes": "boolean", "userProject": "string",
    ])

    private static let getRules = rules([
        "generation": "integer", "ifGenerationMatch": "integer", "ifGenerationNotMatch": "integer", "ifMetagenerationMatch": "integer",
        "ifMetagenerationNotMatch": "integer", "projection": "string", "userProject": "string", "softDeleted": "boolean", "restoreToken": "string",
    ])

    private static let insertRules = rules([
        "name": "string", "contentEncoding": "string", "ifGenerationMatch": "integer", "ifGenerationNotMatch": "integer",
        "ifMetagenerationMatch": "integer", "ifMetagenerationNotMatch": "integer", "kmsKeyName": "string", "predefinedAcl": "string",
        "projection": "string", "userProject": "string",
    ])

    /// Scopes that allow writing objects.
    static let writeScopes: Set<String> = [
        SandboxAccessToken.cloudPlatformScope, "https://www.googleapis.com/auth/devstorage.read_write",
        "https://www.googleapis.com/auth/devstorage.full_control",
    ]

    private static let bucketRules = rules([
        "ifMetagenerationMatch": "integer", "ifMetagenerationNotMatch": "integer", "projection": "string", "userProject": "string",
    ])

    /// Adds the Cloud Storage routes to `router`.
    public func addRoutes(to router: Router<SandboxRequestContext>) {
        // google-cloud-storage looks the bucket up before listing or downloading.
        router.get("storage/v1/b/{bucket}") { request, context in try self.bucket(request, context) }
        router.get("storage/v1/b/{bucket}/o") { request, context in try self.list(request, context) }
        router.get("storage/v1/b/{bucket}/o/{object}") { request, context in try self.get(request, context) }
        // The media download service (the discovery document's `useMediaDownloadService`): where
        // Google's clients fetch content when they have no `mediaLink` at hand.
        router.get("download/storage/v1/b/{bucket}/o/{object}") { request, context in
            guard request.lastQueryValue("alt") == "media" || request.lastQueryValue("$alt") == "media" else {
                throw SandboxHTTPError.badRequest("The download service serves alt=media only.")
            }
            return try self.get(request, context)
        }
        // The upload service, simple media upload (what curl and google-cloud-storage's
        // `upload_from_*(..., if_generation_match=...)` with small files send as `uploadType=media`).
        router.post("upload/storage/v1/b/{bucket}/o") { request, context in try await self.insert(request, context) }
    }

    private func admit(_ request: Request, rules: QueryParameterRules, scopes: Set<String> = readScopes) throws(SandboxHTTPError) -> AdmittedQuery {
        let query = try rules.admitted(request.sandboxQueryItems)
        let credentials: (scheme: String, credentials: String)? =
            request.authorizationCredentials ?? (query["access_token"] ?? query["oauth_token"]).map { ("bearer", $0) }
        guard let (scheme, token) = credentials else {
            throw .unauthorized("Anonymous caller does not have storage.objects.list access to the Google Cloud Storage bucket.")
        }
        guard scheme == "bearer", let info = dataproc.authorize(token), info.isValid(at: dataproc.clock.now) else {
            throw .unauthorized("Invalid Credentials")
        }
        guard !scopes.isDisjoint(with: info.scopes) else {
            throw SandboxHTTPError(.forbidden, "Request had insufficient authentication scopes.", code: "PERMISSION_DENIED")
        }
        return query
    }

    /// Every object of `bucket` at `now`, by name.
    private func objects(in bucket: String, at now: Date) throws(SandboxHTTPError) -> [DriverOutput.Chunk] {
        let stored = dataproc.objects.objects(in: bucket).map { DriverOutput.Chunk(name: $0.name, writtenAt: $0.writtenAt, content: $0.content) }
        guard bucket == DriverOutput.bucket else {
            guard !stored.isEmpty else { throw .notFound("The specified bucket does not exist.") }
            return stored.sorted { $0.name < $1.name }
        }
        let step = dataproc.stepSeconds
        // Real Spark runs write their chunks into `dataproc.objects`; only the others are simulated.
        let outputs =
            dataproc.jobs.all.filter { $0.realRun == nil }.map { $0.driverOutput(stepSeconds: step) }
            + dataproc.batches.everCreated.filter { $0.realRun == nil }.map { $0.driverOutput(stepSeconds: step) }
        return (outputs.flatMap { $0.chunks(at: now) } + stored).sorted { $0.name < $1.name }
    }

    /// When the staging bucket was made: a fixed instant, as it predates every sandbox run.
    private static let bucketCreated = Date(timeIntervalSince1970: 1_700_000_000)

    private func bucket(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let query = try admit(request, rules: Self.bucketRules)
        let name = context.parameters.get("bucket") ?? ""
        guard name == DriverOutput.bucket || dataproc.objects.holds(bucket: name) else {
            throw SandboxHTTPError.notFound("The specified bucket does not exist.")
        }
        let created = GoogleTime.timestamp(Self.bucketCreated)
        return try Self.respond(
            query,
            [
                "kind": "storage#bucket", "id": .string(name), "name": .string(name),
                "selfLink": .string("http://\(request.head.authority ?? "127.0.0.1")/storage/v1/b/\(name)"), "projectNumber": "123456789",
                "metageneration": "1", "location": "EUROPE-WEST1", "locationType": "region", "storageClass": "STANDARD",
                "timeCreated": .string(created), "updated": .string(created), "etag": "CAE=",
            ])
    }

    private func list(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let query = try admit(request, rules: Self.listRules)
        if let alt = query["alt"], alt != "json" { throw SandboxHTTPError.badRequest("objects.list answers alt=json only.") }
        let bucket = context.parameters.get("bucket") ?? ""
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"].flatMap { $0.isEmpty ? nil : $0 }
        var items: [DriverOutput.Chunk] = []
        var prefixes: [String] = []
        for object in try objects(in: bucket, at: dataproc.clock.now) where object.name.hasPrefix(prefix) {
            if let startOffset = query["startOffset"], object.name < startOffset { continue }
            if let endOffset = query["endOffset"], object.name >= endOffset { continue }
            let rest = object.name.dropFirst(prefix.count)
            if let delimiter, let range = rest.range(of: delimiter) {
                let collapsed = prefix + rest[..<range.upperBound]
                if prefixes.last != collapsed { prefixes.append(collapsed) }
                continue
            }
            items.append(object)
        }
        let page = try PageToken.page(items, pageToken: query["pageToken"], pageSize: query["maxResults"] ?? "1000")
        var body: [String: JSONValue] = [
            "kind": "storage#objects", "items": .array(page.items.map { resource(of: $0, bucket: bucket, request: request) }),
        ]
        if !prefixes.isEmpty { body["prefixes"] = .array(prefixes.map { .string($0) }) }
        if let next = page.next { body["nextPageToken"] = .string(next) }
        return try Self.respond(query, .object(body))
    }

    private func get(_ request: Request, _ context: SandboxRequestContext) throws -> Response {
        let query = try admit(request, rules: Self.getRules)
        let bucket = context.parameters.get("bucket") ?? ""
        let raw = context.parameters.get("object") ?? ""
        let name = raw.removingPercentEncoding ?? raw
        guard let object = try objects(in: bucket, at: dataproc.clock.now).first(where: { $0.name == name }) else {
            throw SandboxHTTPError.notFound("No such object: \(bucket)/\(name)")
        }
        let generation = Self.generation(of: object)
        if let wanted = query["generation"], wanted != String(generation) {
            throw SandboxHTTPError.notFound("No such object: \(bucket)/\(name)#\(wanted)")
        }
        if let match = query["ifGenerationMatch"], match != String(generation) {
            throw SandboxHTTPError(.preconditionFailed, "At least one of the pre-conditions you specified did not hold.", code: "FAILED_PRECONDITION")
        }
        guard query["alt"] == "media" else { return try Self.respond(query, resource(of: object, bucket: bucket, request: request)) }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream", .eTag: "\"\(Self.md5(object.content).hex)\"",
        ]
        headers[HTTPFields.Element.Name("x-goog-generation")!] = String(generation)
        headers[HTTPFields.Element.Name("x-goog-metageneration")!] = "1"
        headers[HTTPFields.Element.Name("x-goog-stored-content-length")!] = String(object.content.count)
        headers[HTTPFields.Element.Name("x-goog-hash")!] = "md5=\(Self.md5(object.content).base64)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: object.content)))
    }

    private func insert(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let query = try admit(request, rules: Self.insertRules, scopes: Self.writeScopes)
        guard query["uploadType"] == "media" else {
            throw SandboxHTTPError.badRequest("The sandbox takes simple media uploads only (uploadType=media, the body is the content).")
        }
        let bucket = context.parameters.get("bucket") ?? ""
        guard bucket.range(of: #"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$"#, options: .regularExpression) != nil else {
            throw SandboxHTTPError.badRequest("Invalid bucket name: '\(bucket)'.")
        }
        guard let name = query["name"], !name.isEmpty, name.utf8.count <= 1024, !name.hasPrefix(".well-known/acme-challenge/") else {
            throw SandboxHTTPError.badRequest("Required parameter: name (1 to 1024 bytes of UTF-8).")
        }
        let existing = dataproc.objects.object(bucket: bucket, name: name)
        if let match = query["ifGenerationMatch"], match != (existing.map { String(Self.generation(of: $0.chunk)) } ?? "0") {
            throw SandboxHTTPError(.preconditionFailed, "At least one of the pre-conditions you specified did not hold.", code: "FAILED_PRECONDITION")
        }
        let content = try await JSONResponse.body(of: request)
        let stored: CloudStorageObjects.Object
        do {
            stored = try dataproc.objects.put(bucket: bucket, name: name, content: content, at: dataproc.clock.now)
        } catch {
            throw SandboxHTTPError(.tooManyRequests, error.description, code: "RESOURCE_EXHAUSTED")
        }
        return try Self.respond(query, resource(of: stored.chunk, bucket: bucket, request: request))
    }

    /// `value` as the JSON answer, reduced to the `fields` selection when the caller sent one.
    private static func respond(_ query: AdmittedQuery, _ value: JSONValue) throws(SandboxHTTPError) -> Response {
        guard let fields = query["fields"], !fields.isEmpty else { return JSONResponse.make(value) }
        return JSONResponse.make(try PartialResponse(fields).apply(to: value))
    }

    /// The generation: microseconds since the epoch of the write, as Cloud Storage numbers them.
    private static func generation(of object: DriverOutput.Chunk) -> Int64 {
        Int64((object.writtenAt.timeIntervalSince1970 * 1_000_000).rounded())
    }

    private static func md5(_ data: Data) -> (base64: String, hex: String) {
        let digest = Data(Insecure.MD5.hash(data: data))
        return (digest.base64EncodedString(), digest.map { String(format: "%02x", $0) }.joined())
    }

    /// The Object resource.
    private func resource(of object: DriverOutput.Chunk, bucket: String, request: Request) -> JSONValue {
        let generation = Self.generation(of: object)
        let encoded =
            object.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? object.name
        let base = "http://\(request.head.authority ?? "127.0.0.1")/storage/v1/b/\(bucket)/o/\(encoded)"
        let written = GoogleTime.timestamp(object.writtenAt)
        return [
            "kind": "storage#object", "id": .string("\(bucket)/\(object.name)/\(generation)"), "selfLink": .string(base),
            "mediaLink": .string(base + "?generation=\(generation)&alt=media"), "name": .string(object.name), "bucket": .string(bucket),
            "generation": .string(String(generation)), "metageneration": "1", "contentType": "application/octet-stream",
            "storageClass": "STANDARD", "size": .string(String(object.content.count)), "md5Hash": .string(Self.md5(object.content).base64),
            "etag": .string(Data(String(generation).utf8).base64EncodedString()), "timeCreated": .string(written), "updated": .string(written),
            "timeStorageClassUpdated": .string(written),
        ]
    }
}
