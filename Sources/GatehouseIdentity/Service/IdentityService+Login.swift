import Foundation
import GatehouseCore
import Logging
import Synchronization

extension IdentityService {
    /// Starts a sign-in and returns what the person must open (and type); it completes in the
    /// background, and `loginStatus(id:)` reports how it went.
    /// With `fresh`, the IdP is asked to authenticate the person again whatever session it holds
    /// (`prompt=login`, `max_age=0`): a step-up before a sensitive approval. The device flow has no
    /// such parameter; the ID token's `auth_time` tells how fresh either sign-in really was.
    public func startLogin(_ method: LoginMethod, fresh: Bool = false) async throws -> LoginChallenge {
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
            url?.queryItems =
                existing + [
                    URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: configuration.clientID),
                    URLQueryItem(name: "redirect_uri", value: receiver.redirectURI),
                    URLQueryItem(name: "scope", value: configuration.scopes.joined(separator: " ")),
                    URLQueryItem(name: "state", value: pkce.state), URLQueryItem(name: "nonce", value: pkce.nonce),
                    URLQueryItem(name: "code_challenge", value: pkce.challenge), URLQueryItem(name: "code_challenge_method", value: "S256"),
                ] + (fresh ? [URLQueryItem(name: "prompt", value: "login"), URLQueryItem(name: "max_age", value: "0")] : [])
            guard let authorizeURL = url?.string else {
                receiver.close()
                throw IdentityError.unexpectedResponse(upstream: "idp", detail: "authorization_endpoint is not a URL")
            }
            receiver.redirectStart(to: authorizeURL)
            challenge = LoginChallenge(id: id, method: .loopback, url: authorizeURL, expiresAt: deadline, browserURL: receiver.startURI)
            work = { [self] in
                defer { receiver.close() }
                return try await completeLoopback(receiver, pkce: pkce, timeout: configuration.loginTimeout, id: id)
            }
        case .device:
            let device = try await oauth.deviceAuthorization()
            let lifetime = try UpstreamNumbers.lifetime(device.expires_in, field: "expires_in of the device authorization")
            let interval = try UpstreamNumbers.interval(device.interval)
            try oauth.endpoints.check(device.verification_uri, name: "the device verification_uri")
            if let complete = device.verification_uri_complete {
                try oauth.endpoints.check(complete, name: "the device verification_uri_complete")
            }
            let expires = min(deadline, clock.now.addingTimeInterval(lifetime))
            // What the person reads and types: no escape sequence of the IdP's reaches their terminal.
            challenge = LoginChallenge(
                id: id, method: .device, url: TerminalText.sanitized(device.verification_uri),
                userCode: TerminalText.sanitized(device.user_code),
                verificationURIComplete: device.verification_uri_complete.map(TerminalText.sanitized), expiresAt: expires,
                warning: verificationHostWarning(device.verification_uri))
            work = { [self] in try await pollDevice(device, interval: interval, until: expires) }
        }
        state.withLock { $0.logins[id] = .pending }
        Task { [self] in
            let outcome: LoginProgress
            do {
                outcome = .signedIn(try await work())
            } catch {
                outcome = .failed(TerminalText.sanitized("\(error)"))
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

    /// Callbacks the sign-in `id` ignored: from another user's process, or without its `state`.
    public func ignoredCallbacks(id: String) -> Int {
        state.withLock { $0.ignoredCallbacks[id] ?? 0 }
    }

    /// A warning when the device page is not on the issuer's host (or a configured trusted host):
    /// a hostile IdP answer could send the person to a look-alike page to type their code.
    func verificationHostWarning(_ uri: String) -> String? {
        let host = URLComponents(string: uri)?.host?.lowercased()
        let issuerHost = URLComponents(string: configuration.issuer)?.host?.lowercased()
        let trusted = Set(configuration.trustedVerificationHosts.map { $0.lowercased() } + [issuerHost].compactMap { $0 })
        guard let host, !trusted.contains(host) else { return nil }
        return TerminalText.sanitized(
            "the verification page is on \(host), not on the issuer's host \(issuerHost ?? "?"); type the code only if you trust \(host)")
    }

    private func completeLoopback(_ receiver: LoopbackReceiver, pkce: PKCE, timeout: TimeInterval, id: String) async throws -> Principal {
        defer {
            let refused = receiver.refusedConnections
            if refused > 0 { state.withLock { $0.ignoredCallbacks[id, default: 0] += refused } }
        }
        for await callback in receiver.callbacks(timeout: timeout) {
            // `state` first, before anything else in the callback (`error=` included) is acted on: a
            // redirect without it was not sent by the IdP for this sign-in, so another page or
            // process could abort the sign-in or redeem its own code otherwise. It is ignored and
            // the sign-in keeps waiting for the real one.
            guard callback.query["state"] == pkce.state else {
                logger.warning("ignored a sign-in callback without this sign-in's state")
                state.withLock { $0.ignoredCallbacks[id, default: 0] += 1 }
                continue
            }
            if let error = callback.query["error"] {
                throw IdentityError.upstreamRejected(
                    upstream: "idp", error: TerminalText.sanitized(error),
                    description: callback.query["error_description"].map(TerminalText.sanitized))
            }
            guard let code = callback.query["code"], !code.isEmpty else {
                throw IdentityError.loginFailed("the redirect carried no authorization code")
            }
            let response = try await oauth.token([
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", receiver.redirectURI),
                ("code_verifier", pkce.verifier),
            ])
            return try await accept(response, nonce: pkce.nonce, previous: nil, signedInBy: .loopback)
        }
        throw IdentityError.loginFailed("no browser came back within \(Int(timeout)) s; run `gatehouse login` again")
    }

    /// Polls the token endpoint as RFC 8628 §3.5 asks: at `interval`, 5 s slower after each
    /// `slow_down`, never more than `UpstreamNumbers.pollingInterval` apart.
    private func pollDevice(_ device: DeviceAuthorizationResponse, interval initial: TimeInterval, until deadline: Date) async throws -> Principal {
        var interval = initial
        while clock.now < deadline {
            try await clock.sleep(for: .seconds(interval))
            do {
                let response = try await oauth.token([
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", device.device_code),
                ])
                return try await accept(response, nonce: nil, previous: nil, signedInBy: .device)
            } catch IdentityError.upstreamRejected(_, let error, let description) {
                switch error {
                case "authorization_pending": continue
                case "slow_down": interval = min(interval + 5, UpstreamNumbers.pollingInterval.upperBound)
                case "access_denied": throw IdentityError.loginFailed("the sign-in was denied at the IdP")
                case "expired_token":
                    throw IdentityError.loginFailed("the device code expired before it was approved; run `gatehouse login --device` again")
                default: throw IdentityError.upstreamRejected(upstream: "idp", error: error, description: description)
                }
            }
        }
        throw IdentityError.loginFailed("the device code expired before it was approved; run `gatehouse login --device` again")
    }
}
