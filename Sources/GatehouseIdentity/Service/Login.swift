import Foundation
import GatehouseCore

/// How a person signs in.
/// When and how the signed-in person last proved who they are at the IdP (a sign-in, not a refresh).
public struct Authentication: Sendable, Equatable {
    /// The ID token's `auth_time`, else when the sign-in finished.
    public var at: Date
    public var method: LoginMethod
}

public enum LoginMethod: String, Sendable, Codable, CaseIterable {
    /// Authorization code + PKCE with a loopback redirect (a browser on this machine).
    case loopback
    /// Device authorization grant (a browser anywhere; the user types a code).
    case device
}

/// What the person must do to finish a sign-in.
public struct LoginChallenge: Sendable, Codable, Equatable {
    /// Identifies the sign-in for `loginStatus(id:)`.
    public var id: String
    public var method: LoginMethod
    /// The page to open: the authorization URL, or the device verification URI.
    public var url: String
    /// The code to type on the verification page (device flow only).
    public var userCode: String?
    /// The verification URI with the code filled in, when the IdP gives one.
    public var verificationURIComplete: String?
    /// When the sign-in stops waiting.
    public var expiresAt: Date
    /// Something the person should know before opening `url` (a device page on another host).
    public var warning: String?
    /// What to hand a browser opener instead of `url` (loopback only): a local address that
    /// redirects the person's own browser to `url`, so `url` never appears in a process's argv.
    public var browserURL: String?

    /// A challenge; `warning` only when there is something to warn about.
    public init(
        id: String, method: LoginMethod, url: String, userCode: String? = nil, verificationURIComplete: String? = nil,
        expiresAt: Date, warning: String? = nil, browserURL: String? = nil
    ) {
        self.id = id
        self.method = method
        self.url = url
        self.userCode = userCode
        self.verificationURIComplete = verificationURIComplete
        self.expiresAt = expiresAt
        self.warning = warning
        self.browserURL = browserURL
    }
}

/// Where a sign-in stands.
public enum LoginProgress: Sendable, Equatable {
    case pending
    case signedIn(Principal)
    case failed(String)

    /// `pending`, `signed_in` or `failed`, for RPC answers.
    public var state: String {
        switch self {
        case .pending: "pending"
        case .signedIn: "signed_in"
        case .failed: "failed"
        }
    }
}
