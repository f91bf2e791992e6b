import GatehouseHTTP

/// Looker's `EmbedSsoParams`, the body of `POST /embed/sso_url` for one dashboard, and its answer.
struct EmbedSSOParams: Encodable {
    var target_url: String
    var session_length: Int
    var force_logout_login = true
    var external_user_id: String
    var first_name: String
    var last_name = ""
    var permissions: [String]
    var models: [String]
    /// An embed user that stands for a person carries their Looker groups and user attributes (row-level access).
    var group_ids: [String]?
    var user_attributes: [String: String]?

    /// The body opening dashboard `id` of the instance whose API is at `apiURL` (`<base>/api/4.0`).
    init(
        dashboard id: String, apiURL: String, sessionSeconds: Int, externalUserID: String, firstName: String, permissions: [String],
        models: [String], groupIDs: [String]? = nil, userAttributes: [String: String]? = nil
    ) {
        target_url = String(apiURL.dropLast("/api/4.0".count)) + "/embed/dashboards/" + LookerClient.pathSegment(id)
        session_length = sessionSeconds
        external_user_id = externalUserID
        first_name = firstName
        self.permissions = permissions
        self.models = models
        group_ids = groupIDs
        user_attributes = userAttributes
    }

    /// The request to `api` (`<base>/api/4.0`).
    func request(api: String) throws(HTTPError) -> HTTPRequest {
        var request = try HTTPRequest.json(.POST, api + "/embed/sso_url", upstream: LookerClient.upstream, body: self)
        // Each answer is a new single-use URL: sending twice wastes one, nothing more.
        request.idempotent = true
        return request
    }

    /// The answer: the signed URL.
    struct Answer: Decodable { var url: String }
}
