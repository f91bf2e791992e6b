import Foundation
import GatehouseCore
import Logging
import Synchronization

extension IdentityService {
    /// Starts a sign-in and returns what the person must open (and type); it completes in the
    /// background, and `loginStatus(id:)` reports how it went.
    public func startLogin(_ method: LoginMethod) async throws -> LoginChallenge {
        let id = UUID().uuidString.lowercased()
        let deadline = clock.now.addingTimeInterval(configuration.loginTimeout)
        let challenge: LoginChallenge
        let work: @Sendable () async throws -> Principal
        switch method {
        case .loopback:
            let metadata = try await oauth.metadata()
            let receiver = try await LoopbackReceiver.start()
            let pkce = PKCE()
            var url = URLComponents(string: metadata.authorization_endpoint)
            let existing = url?.queryItems ?? []
            url?.queryItems = existing + [
                URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: configuration.clientID),
                URLQueryItem(name: "redirect_uri", value: receiver.redirectURI),
                URLQueryItem(name: "scope", value: configuration.scopes.joined(separator: " ")),
                URLQueryItem(name: "state", value: pkce.state), URLQueryItem(name: "nonce", value: pkce.nonce),
                URLQueryItem(name: "code_challenge", value: pkce.challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
            guard let authorizeURL = url?.string else {
                receiver.close()
                throw IdentityError.unexpectedResponse(upstream: "idp", detail: "authorization_endpoint is not a URL")
            }
            challenge = LoginChallenge(id: id, method: .loopback, url: authorizeURL, expiresAt: deadline)
            work = { [self] in
                defer { receiver.close() }
                return try await completeLoopback(receiver, pkce: pkce, timeout: configuration.loginTimeout)
            }
        case .device:
            let device = try await oauth.deviceAuthorization()
            let expires = min(deadline, clock.now.addingTimeInterval(device.expires_in))
            challenge = LoginChallenge(
                id: id, method: .device, url: device.verification_uri, userCode: device.user_code,
                verificationURIComplete: device.verification_uri_complete, expiresAt: expires)
            work = { [self] in try await pollDevice(device, until: expires) }
        }
        state.withLock { $0.logins[id] = .pending }
        Task { [self] in
            let outcome: LoginProgress
            do {
                outcome = .signedIn(try await work())
            } catch {
                outcome = .failed("\(error)")
            }
            logger.notice("sign-in finished", metadata: ["method": "\(method.rawValue)", "outcome": "\(outcome.state)"])
            state.withLock { $0.logins[id] = outcome }
        }
        return challenge
    }

    /// Where the sign-in `id` stands.
    public func loginStatus(id: String) throws(IdentityError) -> LoginProgress {
        guard let progress = state.withLock({ $0.logins[id] }) else { throw .unknownLogin(id) }
        return progress
    }

    private func completeLoopback(_ receiver: LoopbackReceiver, pkce: PKCE, timeout: TimeInterval) async throws -> Principal {
        guard let callback = await receiver.next(timeout: timeout) else {
            throw IdentityError.loginFailed("no browser came back within \(Int(timeout)) s; run `gatehouse login` again")
        }
        if let error = callback.query["error"] {
            throw IdentityError.upstreamRejected(upstream: "idp", error: error, description: callback.query["error_description"])
        }
        // A redirect without our state may be forged by another page: never redeem its code.
        guard callback.query["state"] == pkce.state else {
            throw IdentityError.loginFailed("the redirect's state does not match this sign-in (possible CSRF); start again")
        }
        guard let code = callback.query["code"], !code.isEmpty else {
            throw IdentityError.loginFailed("the redirect carried no authorization code")
        }
        let response = try await oauth.token([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", receiver.redirectURI),
            ("code_verifier", pkce.verifier),
        ])
        return try await accept(response, nonce: pkce.nonce, previous: nil)
    }

    /// Polls the token endpoint as RFC 8628 §3.5 asks: at `interval`, 5 s slower after each `slow_down`.
    private func pollDevice(_ device: DeviceAuthorizationResponse, until deadline: Date) async throws -> Principal {
        var interval = max(1, device.interval ?? 5)
        while clock.now < deadline {
            try await clock.sleep(for: .seconds(interval))
            do {
                let response = try await oauth.token([
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", device.device_code),
                ])
                return try await accept(response, nonce: nil, previous: nil)
            } catch IdentityError.upstreamRejected(_, let error, let description) {
                switch error {
                case "authorization_pending": continue
                case "slow_down": interval += 5
                case "access_denied": throw IdentityError.loginFailed("the sign-in was denied at the IdP")
                case "expired_token": throw IdentityError.loginFailed("the device code expired before it was approved; run `gatehouse login --device` again")
                default: throw IdentityError.upstreamRejected(upstream: "idp", error: error, description: description)
                }
            }
        }
        throw IdentityError.loginFailed("the device code expired before it was approved; run `gatehouse login --device` again")
    }
}
