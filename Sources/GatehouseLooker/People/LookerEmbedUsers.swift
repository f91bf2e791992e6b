import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseIdentity
import Synchronization

/// Each person's own Looker identity: an embed user whose `external_user_id` is their IdP subject,
/// created or updated through a cookieless embed session (which carries their groups and user
/// attributes), then entered with `login_user` (sudo) by the service account. Looker (Google Cloud
/// core) allows sudo only into embed users, and only for an admin API service account.
///
/// The embed user is brought up to date whenever the profile's fingerprint changes; the token a
/// person gets acts with Looker's permissions and access filters for that person, never the
/// service account's.
public final class LookerEmbedUsers: LookerCredentialSource {
    /// Reads a person's profile (from the catalog).
    public typealias Profiles = @Sendable (Principal) async throws -> LookerPersonProfile

    private let service: LookerServiceSession
    private let profiles: Profiles
    private let permissions: [String]
    private let models: [String]
    private let sessionSeconds: Int
    /// Embed users already brought up to date: subject → (profile fingerprint, Looker user id).
    private let known = Mutex<[String: (fingerprint: String, userId: String)]>([:])
    /// The people whose embed users this daemon keeps in step.
    private let people = Mutex<[String: Principal]>([:])
    private let groupIds = Mutex<[String: String]?>(nil)
    private let upserts = Flights<String, String>()

    /// Embed users managed through `service`; `models` and `permissions` are granted to every embed user.
    public init(
        service: LookerServiceSession, profiles: @escaping Profiles, models: [String],
        permissions: [String] = ["access_data", "see_user_dashboards", "see_lookml_dashboards"], sessionSeconds: Int = 300
    ) {
        self.service = service
        self.profiles = profiles
        self.models = models
        self.permissions = permissions
        self.sessionSeconds = sessionSeconds
    }

    /// How audit records name a person's Looker identity.
    public static func lookerUser(for principal: Principal) -> String { "looker-embed:\(principal.subject)" }

    /// The Looker user id of the person's embed user, once it exists.
    public func lookerUserId(for principal: Principal) -> String? { known.withLock { $0[principal.subject]?.userId } }

    /// A sudo token acting as the person's embed user (brought up to date first).
    public func token(for principal: Principal, now: Date) async throws -> IssuedToken {
        people.withLock { $0[principal.subject] = principal }
        let profile = try await profiles(principal)
        let userId = try await embedUser(profile)
        struct Answer: Decodable {
            var access_token: String
            var expires_in: Int?
        }
        let answer = try await service.call(Answer.self) { api in
            var request = HTTPRequest(method: .POST, url: api + "/login/" + LookerClient.pathSegment(userId), upstream: LookerClient.upstream)
            // A sudo login creates nothing that a repeat would duplicate.
            request.idempotent = true
            return request
        }
        return IssuedToken(
            value: answer.access_token, tokenType: "token", issuedAt: now,
            expiresAt: now.addingTimeInterval(OutsideNumbers.clamped(Double(answer.expires_in ?? 3600), to: 60...86_400) ?? 3600),
            chain: [principal.displayName, "\(Self.lookerUser(for: principal)) (Looker user \(userId))"])
    }

    /// A signed SSO embed URL for the person, carrying the same groups and user attributes as their API identity.
    public func embedURL(dashboardID id: String, model: String?, for principal: Principal, sessionSeconds: Int) async throws(LookerError) -> String {
        let profile: LookerPersonProfile
        do {
            profile = try await profiles(principal)
        } catch {
            throw .notConfigured("could not read the catalog facts for the Looker embed user: \(error)")
        }
        let groups = try await lookerGroupIds()
        let params = EmbedSSOParams(
            dashboard: id, apiURL: service.apiURL, sessionSeconds: sessionSeconds, externalUserID: profile.externalUserId,
            firstName: profile.name, permissions: permissions, models: Array(Set(models + (model.map { [$0] } ?? []))).sorted(),
            groupIDs: profile.groups.compactMap { groups[$0] }, userAttributes: profile.attributes)
        return try await service.call(EmbedSSOParams.Answer.self) { api throws(HTTPError) in try params.request(api: api) }.url
    }

    /// People whose embed users this daemon has set up.
    public var knownPeople: [Principal] { people.withLock { Array($0.values) } }

    /// Brings the person's embed user in step with their profile now; true when it had to change.
    @discardableResult
    public func update(_ principal: Principal) async throws -> Bool {
        let profile = try await profiles(principal)
        let before = known.withLock { $0[principal.subject]?.fingerprint }
        guard before != profile.fingerprint else { return false }
        _ = try await embedUser(profile)
        return before != nil
    }

    /// The embed user's id, creating or updating it when the profile changed since last time.
    func embedUser(_ profile: LookerPersonProfile) async throws(LookerError) -> String {
        if let entry = known.withLock({ $0[profile.externalUserId] }), entry.fingerprint == profile.fingerprint { return entry.userId }
        do {
            return try await upserts.run(key: profile.externalUserId + "|" + profile.fingerprint) { [self] in
                let userId = try await upsert(profile)
                known.withLock { $0[profile.externalUserId] = (profile.fingerprint, userId) }
                return userId
            }
        } catch let error as LookerError {
            throw error
        } catch {
            throw .notConfigured("could not set up the Looker embed user: \(error)")
        }
    }

    private struct AcquireBody: Encodable {
        var session_length: Int
        var force_logout_login: Bool
        var external_user_id: String
        var first_name: String
        var last_name: String
        var permissions: [String]
        var models: [String]
        var group_ids: [String]
        var user_attributes: [String: String]
    }

    /// Cookieless acquire (creates or updates the embed user), ends that session at once, then looks the user up.
    private func upsert(_ profile: LookerPersonProfile) async throws(LookerError) -> String {
        let groups = try await lookerGroupIds()
        let body = AcquireBody(
            session_length: sessionSeconds, force_logout_login: true, external_user_id: profile.externalUserId, first_name: profile.name,
            last_name: "", permissions: permissions, models: models, group_ids: profile.groups.compactMap { groups[$0] },
            user_attributes: profile.attributes)
        struct Session: Decodable { var session_reference_token: String? }
        let session = try await service.call(Session.self) { api throws(HTTPError) in
            var request = try HTTPRequest.json(.POST, api + "/embed/cookieless_session/acquire", upstream: LookerClient.upstream, body: body)
            // Acquiring again only updates the same embed user.
            request.idempotent = true
            return request
        }
        if let reference = session.session_reference_token {
            // Only the API is used, never a browser: the session itself is not needed.
            _ = try? await service.send { api in
                HTTPRequest(
                    method: .DELETE, url: api + "/embed/cookieless_session/" + LookerClient.pathSegment(reference), upstream: LookerClient.upstream)
            }
        }
        struct User: Decodable { var id: String }
        return try await service.call(User.self) { api in
            .get(api + "/users/credential/embed/" + LookerClient.pathSegment(profile.externalUserId) + "?fields=id", upstream: LookerClient.upstream)
        }.id
    }

    /// Looker's groups by name (read once): a catalog team maps to the Looker group of the same name.
    private func lookerGroupIds() async throws(LookerError) -> [String: String] {
        if let cached = groupIds.withLock({ $0 }) { return cached }
        struct Group: Decodable {
            var id: String
            var name: String?
        }
        let groups = try await service.call([Group].self) { api in .get(api + "/groups?fields=id,name", upstream: LookerClient.upstream) }
        let byName = Dictionary(groups.compactMap { group in group.name.map { ($0, group.id) } }, uniquingKeysWith: { first, _ in first })
        groupIds.withLock { $0 = byName }
        return byName
    }
}
