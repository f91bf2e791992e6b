import Foundation
import GatehouseCore

/// A best-effort safe rendering of a URL libcurl could not parse, for the `.invalidURL` message.
enum UnparsedURL {
    /// `text` without any `user:password@` part and with secret query values replaced.
    static func loggable(_ text: String) -> String {
        var base = Substring(text)
        var query: Substring?
        if let mark = text.firstIndex(of: "?") {
            base = text[..<mark]
            query = text[text.index(after: mark)...]
        }
        if let at = base.lastIndex(of: "@") {
            let start = base.range(of: "://")?.upperBound ?? base.startIndex
            if start <= at { base = base[..<start] + base[base.index(after: at)...] }
        }
        return query.map { "\(base)?\(Redaction.formEncoded(String($0)))" } ?? String(base)
    }
}
