import Foundation
import GatehouseCore
import HTTPTypes
import Synchronization

/// The sandbox Looker's people and credentials, which change while it runs: regular users, embed
/// users (created or updated by the embed SSO and cookieless paths, keyed by `external_user_id`),
/// their user attribute values and groups, and every user's `credentials_api3` pairs.
final class LookerDirectory: Sendable {
    /// A Looker user (regular, admin or embed).
    struct User: Sendable {
        var id: String
        var firstName: String
        var lastName: String
        var email: String
        var isAdmin: Bool
        /// Set for embed users: the host application's id for the person.
        var externalUserId: String?
        var groupIds: [String]
        /// User attribute values by attribute name.
        var attributes: [String: String]
        /// Models an embed user may query (nil: every model its folders allow).
        var models: Set<String>?
        var permissions: Set<String>
        /// Folders whose content the user may see.
        var folderIds: Set<String>

        var isEmbed: Bool { externalUserId != nil }
        var displayName: String { [firstName, lastName].filter { !$0.isEmpty }.joined(separator: " ") }
    }

    /// One `credentials_api3` pair.
    struct APICredential: Sendable {
        var id: String
        var userId: String
        var clientId: String
        var secret: String
        var createdAt: Date
    }

    /// A user attribute definition (`GET /user_attributes`).
    struct Attribute: Sendable {
        var id: String
        var name: String
        var label: String
        var defaultValue: String
    }

    /// A Looker group (`GET /groups`); members see the group's folder.
    struct Group: Sendable {
        var id: String
        var name: String
        var folderId: String
    }

    private struct State {
        var users: [String: User] = [:]
        var credentials: [String: APICredential] = [:]
        var nextUserId = 1000
        var nextCredentialId = 1
        var refuseNewCredentials: String?
        /// Every secret ever issued, deleted pairs included (tests look for them where they must not be).
        var issuedSecrets: [String] = []
    }

    /// The attributes the sandbox defines: teams (access filter of the shared KPI view) and owned entities.
    static let attributes = [
        Attribute(id: "1", name: "gatehouse_teams", label: "Gatehouse teams", defaultValue: ""),
        Attribute(id: "2", name: "gatehouse_entities", label: "Gatehouse owned entities", defaultValue: ""),
    ]
    /// Groups named like the catalog's teams, each with its folder.
    static let groups = [Group(id: "1", name: "team-a", folderId: "10"), Group(id: "2", name: "team-b", folderId: "20")]
    /// The folder every user sees.
    static let sharedFolder = "1"

    private let state = Mutex(State())

    /// The admin API user (Looker user 1, client `adminClientId`) and one regular user per sandbox user with a `lookerUserId`.
    init(users: [SandboxUser], allFolders: [String], adminClientId: String, adminClientSecret: String, now: Date) {
        state.withLock { state in
            state.users["1"] = User(
                id: "1", firstName: "Looker", lastName: "Admin", email: "admin@example.com", isAdmin: true, externalUserId: nil, groupIds: [],
                attributes: ["gatehouse_teams": "%"], models: nil, permissions: ["access_data", "see_system_activity"], folderIds: Set(allFolders))
            Self.addCredential(&state, userId: "1", clientId: adminClientId, secret: adminClientSecret, now: now)
            for user in users {
                guard let id = user.lookerUserId else { continue }
                let groups = Self.groups.filter { user.groups.contains($0.name) }
                let parts = user.name.split(separator: " ", maxSplits: 1).map(String.init)
                state.users[id] = User(
                    id: id, firstName: parts.first ?? user.name, lastName: parts.count > 1 ? parts[1] : "", email: user.email, isAdmin: false,
                    externalUserId: nil, groupIds: groups.map(\.id), attributes: ["gatehouse_teams": user.groups.joined(separator: ",")],
                    models: nil, permissions: ["access_data"], folderIds: Set([Self.sharedFolder] + groups.map(\.folderId)))
                Self.addCredential(&state, userId: id, clientId: "\(user.subject)-client-id", secret: "\(user.subject)-client-secret", now: now)
            }
        }
    }

    @discardableResult
    private static func addCredential(_ state: inout State, userId: String, clientId: String, secret: String, now: Date) -> APICredential {
        let credential = APICredential(id: String(state.nextCredentialId), userId: userId, clientId: clientId, secret: secret, createdAt: now)
        state.nextCredentialId += 1
        state.credentials[clientId] = credential
        state.issuedSecrets.append(secret)
        return credential
    }

    func user(_ id: String) -> User? { state.withLock { $0.users[id] } }

    /// The embed user with this `external_user_id`.
    func embedUser(external id: String) -> User? { state.withLock { $0.users.values.first { $0.externalUserId == id } } }

    /// The user a `credentials_api3` client id belongs to.
    func user(clientId: String) -> User? { state.withLock { state in state.credentials[clientId].flatMap { state.users[$0.userId] } } }

    /// The user id a client id and secret log in as, or nil when the pair is unknown.
    func login(clientId: String, secret: String) -> String? {
        state.withLock { state in
            guard let credential = state.credentials[clientId], credential.secret == secret else { return nil }
            return credential.userId
        }
    }

    /// Every API secret this Looker ever issued.
    var issuedSecrets: [String] { state.withLock { $0.issuedSecrets } }

    /// Whether a pair still exists (tests: the old pair is gone after a rotation).
    func hasCredential(clientId: String) -> Bool { state.withLock { $0.credentials[clientId] != nil } }

    func credentials(ofUser userId: String) -> [APICredential] {
        state.withLock { $0.credentials.values.filter { $0.userId == userId }.sorted { Int($0.id) ?? 0 < Int($1.id) ?? 0 } }
    }

    /// A new pair for `userId`, or the refusal set by `refuseNewCredentials`.
    func createCredential(userId: String, now: Date) -> Result<APICredential, SandboxHTTPError> {
        state.withLock { state in
            if let reason = state.refuseNewCredentials { return .failure(SandboxHTTPError(.unprocessableContent, reason)) }
            return .success(
                Self.addCredential(&state, userId: userId, clientId: RandomText.token(bytes: 15), secret: RandomText.token(bytes: 18), now: now))
        }
    }

    /// Deletes a pair by its id; false when the user has no such pair.
    func deleteCredential(userId: String, credentialId: String) -> Bool {
        state.withLock { state in
            guard let key = state.credentials.first(where: { $0.value.userId == userId && $0.value.id == credentialId })?.key else { return false }
            state.credentials[key] = nil
            return true
        }
    }

    /// Makes `POST /users/{id}/credentials_api3` answer 422 with `reason` (nil: allow again).
    func refuseNewCredentials(_ reason: String?) { state.withLock { $0.refuseNewCredentials = reason } }

    /// Creates or updates the embed user `external_user_id` from embed SSO / cookieless parameters.
    func upsertEmbedUser(_ params: JSONValue) throws(SandboxHTTPError) -> User {
        guard let external = params["external_user_id"]?.stringValue, !external.isEmpty else {
            throw .badRequest("external_user_id is required to sign in an embed user.")
        }
        var attributes: [String: String] = [:]
        for (name, value) in params["user_attributes"]?.objectValue ?? [:] {
            guard Self.attributes.contains(where: { $0.name == name }) else {
                throw SandboxHTTPError(.unprocessableContent, "User attribute '\(name)' does not exist.")
            }
            attributes[name] = value.stringValue ?? value.intValue.map(String.init) ?? ""
        }
        let groupIds = (params["group_ids"]?.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) }
        if let unknown = groupIds.first(where: { id in !Self.groups.contains { $0.id == id } }) {
            throw SandboxHTTPError(.unprocessableContent, "Group \(unknown) does not exist.")
        }
        let models = Set((params["models"]?.arrayValue ?? []).compactMap(\.stringValue))
        let permissions = Set((params["permissions"]?.arrayValue ?? []).compactMap(\.stringValue))
        guard !groupIds.isEmpty || (!models.isEmpty && !permissions.isEmpty) else {
            throw SandboxHTTPError(.unprocessableContent, "Provide group_ids, or both models and permissions.")
        }
        let folders = Set([Self.sharedFolder] + Self.groups.filter { groupIds.contains($0.id) }.map(\.folderId))
        return state.withLock { state in
            let id =
                state.users.values.first { $0.externalUserId == external }?.id
                ?? {
                    defer { state.nextUserId += 1 }
                    return String(state.nextUserId)
                }()
            let user = User(
                id: id, firstName: params["first_name"]?.stringValue ?? "", lastName: params["last_name"]?.stringValue ?? "", email: "",
                isAdmin: false, externalUserId: external, groupIds: groupIds, attributes: attributes,
                models: models.isEmpty ? nil : models, permissions: permissions,
                folderIds: folders)
            state.users[id] = user
            return user
        }
    }

    /// The value of attribute `name` for `user` (its default when unset).
    func attributeValue(_ name: String, of user: User) -> String {
        user.attributes[name] ?? Self.attributes.first { $0.name == name }?.defaultValue ?? ""
    }

    /// A user as Looker's `User` object.
    func json(_ user: User, baseURL: String = "") -> JSONValue {
        let credentials = credentials(ofUser: user.id)
        return [
            "id": .string(user.id), "first_name": .string(user.firstName), "last_name": .string(user.lastName),
            "display_name": .string(user.displayName), "email": user.email.isEmpty ? .null : .string(user.email),
            "is_disabled": false, "locale": "en", "group_ids": .array(user.groupIds.map(JSONValue.string)), "role_ids": [],
            "credentials_api3": .array(credentials.map { Self.json($0, includeSecret: false) }),
            "credentials_embed": user.externalUserId.map { external in
                [["external_user_id": .string(external), "external_group_id": .null, "is_disabled": false, "type": "embed"]]
            } ?? [],
            "personal_folder_id": .null, "home_folder_id": .string(Self.sharedFolder), "is_service_account": false,
            "can_manage_api3_creds": .bool(user.isAdmin), "is_iam_admin": .bool(user.isAdmin),
            "can": ["show": true, "index": true, "show_details": true, "index_details": true, "sudo": .bool(!user.isAdmin)],
            "url": .string("/api/4.0/users/\(user.id)"),
        ]
    }

    /// A pair as Looker's `CredentialsApi3` (or `CreateCredentialsApi3`, with the secret, once at creation).
    static func json(_ credential: APICredential, includeSecret: Bool) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(credential.id), "client_id": .string(credential.clientId), "created_at": .string(LookerTime.iso(credential.createdAt)),
            "is_disabled": false, "type": "api3", "purpose": .null, "can": [:],
            "url": .string("/api/4.0/users/\(credential.userId)/credentials_api3/\(credential.id)"),
        ]
        if includeSecret { object["client_secret"] = .string(credential.secret) }
        return .object(object)
    }
}

/// Looker's time formats.
enum LookerTime {
    /// ISO 8601 with milliseconds and offset, as in `created_at`.
    static func iso(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"
        return formatter.string(from: date)
    }

    /// `YYYY-MM-DD HH:MM:SS`, as System Activity's time dimensions answer.
    static func plain(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
