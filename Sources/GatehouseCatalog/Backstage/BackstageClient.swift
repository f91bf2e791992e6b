import Foundation
import GatehouseCore
import GatehouseHTTP

/// Reads the Backstage catalog API page by page.
public struct BackstageClient: Sendable {
    /// The circuit-breaker name Backstage calls run under.
    public static let upstream = "backstage"

    private let http: HTTPClient
    private let baseURL: String
    private let token: String?

    /// A client for the Backstage backend at `baseURL` (e.g. `http://localhost:7007`), with an optional Bearer token.
    public init(http: HTTPClient, baseURL: String, token: String? = nil) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
    }

    /// One page of the whole catalog: the first when `cursor` is nil, else the page the cursor names.
    func page(cursor: String?, limit: Int) async throws(CatalogError) -> BackstagePage {
        var components = URLComponents()
        components.queryItems = cursor.map { [URLQueryItem(name: "cursor", value: $0)] } ?? []
        components.queryItems! += [
            URLQueryItem(name: "limit", value: String(limit)),
            URLQueryItem(name: "fields", value: BackstageEntity.syncFields.joined(separator: ",")),
        ]
        // URLComponents leaves `+` and `,` alone; a cursor is opaque base64, so `+` must be escaped.
        let query = (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var request = HTTPRequest.get("\(baseURL)/api/catalog/entities/by-query?\(query)", upstream: Self.upstream)
        request.headers.replace("Accept", "application/json")
        if let token {
            request.headers.replace("Authorization", "Bearer \(token)")
            request.secrets.append(token)
        }
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            if case .cancelled = error { throw .cancelled }
            throw .upstream(error.description)
        }
        guard response.isSuccess else {
            throw .upstream("Backstage answered HTTP \(response.status)" + (response.status == 401 ? "; check catalog.token_file" : ""))
        }
        let body: JSONValue
        do {
            body = try response.json()
        } catch {
            throw .badPage(error.description)
        }
        guard let page = BackstagePage(body) else { throw .badPage("the answer has no `items` array: not a by-query page") }
        return page
    }
}
