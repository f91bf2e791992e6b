/// Why an admin action on the sandbox provider (approve, deny) was refused.
public enum OIDCProviderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No pending device authorization has this user code.
    case unknownUserCode(String)
    /// The subject is not one of the sandbox's users.
    case unknownSubject(String)
    /// The device authorization was already approved or denied.
    case deviceAlreadyDecided(String)
    /// The device code expired before it was approved.
    case deviceCodeExpired(String)

    /// A message naming the fix.
    public var description: String {
        switch self {
        case .unknownUserCode(let code):
            "no pending device authorization has user code '\(code)'; start a new one with POST /device_authorization"
        case .unknownSubject(let subject):
            "'\(subject)' is not a sandbox user; add it to the users the provider was created with"
        case .deviceAlreadyDecided(let code):
            "device authorization '\(code)' was already approved or denied"
        case .deviceCodeExpired(let code):
            "device authorization '\(code)' has expired; the client must start a new one"
        }
    }
}
