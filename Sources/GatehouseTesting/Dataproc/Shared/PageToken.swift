import Foundation

/// The opaque `pageToken`/`nextPageToken` of the Dataproc list methods: an offset the client
/// must pass back unchanged.
enum PageToken {
    /// The offset a `pageToken` stands for (0 when absent).
    static func offset(_ token: String?) throws(SandboxHTTPError) -> Int {
        guard let token, !token.isEmpty else { return 0 }
        guard let decoded = Data(base64Encoded: token).flatMap({ Int(String(decoding: $0, as: UTF8.self)) }), decoded >= 0 else {
            throw .badRequest("Invalid pageToken: pass back the nextPageToken of a previous page unchanged.")
        }
        return decoded
    }

    /// The page of `items` starting at `pageToken`, `pageSize` long (default 100, at most 1000),
    /// and the token of the next page when more remain.
    static func page<T>(_ items: [T], pageToken: String?, pageSize: String?) throws(SandboxHTTPError) -> (items: [T], next: String?) {
        let offset = try offset(pageToken)
        let size = min(max(Int(pageSize ?? "") ?? 100, 1), 1000)
        let page = Array(items.dropFirst(offset).prefix(size))
        let end = offset + page.count
        return (page, end < items.count ? Data(String(end).utf8).base64EncodedString() : nil)
    }
}
