import ArgumentParser
import GatehouseCore

/// `gatehouse logout`: revokes the session at the IdP where it can and forgets every token.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sign out: revoke the refresh token (RFC 7009) and forget every cached token.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let result = try global.call("auth.logout")
        if global.json { return Output.json(result) }
        print(result["revoked"]?.boolValue == true ? "signed out; the IdP revoked the session" : "signed out locally (the IdP did not confirm a revocation)")
    }
}
