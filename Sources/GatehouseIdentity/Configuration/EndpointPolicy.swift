import Foundation
import GatehouseCore

/// Which URLs sign-in may open or call: `https` only, except loopback addresses (a local test
/// IdP), unless `identity.allow_insecure_http` is set. Checked before anything is fetched or handed
/// to a browser, so a plain-http issuer or an announced `file:` endpoint never gets that far.
struct EndpointPolicy: Sendable {
    let allowInsecureHTTP: Bool

    /// `url`, refused with a message naming `name` unless it is an acceptable absolute URL.
    @discardableResult
    func check(_ url: String, name: String) throws(IdentityError) -> URLComponents {
        // Control characters are never part of a URL; one carrying an escape sequence is an attack on the terminal it is printed to.
        guard !TerminalText.needsSanitizing(url), let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw .insecureEndpoint(name: name, url: url) }
        switch scheme {
        case "https": return components
        case "http" where allowInsecureHTTP || Self.isLoopback(host): return components
        default: throw .insecureEndpoint(name: name, url: url)
        }
    }

    /// 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
