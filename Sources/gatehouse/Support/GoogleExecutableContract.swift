import Foundation
import GatehouseCore
import GatehouseRPC

/// Google's executable-sourced credential contract (`credential_source.executable`), as google-auth,
/// gcloud and the other Google auth libraries run it: what they pass in the environment, the response
/// they read, and where it goes.
///
/// The libraries discard the JSON of an executable that exits non-zero (google-auth reports only the
/// exit status and the raw output, with stderr mixed into it), so when a library runs us a failure is
/// the contract's `success: false` response on stdout with exit 0, and nothing on stderr.
struct GoogleExecutableContract {
    /// The subject token types the contract defines for OIDC; both carry the token in `id_token`.
    static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
    /// The response format version (the highest google-auth 2.x accepts).
    static let version: JSONValue = 1

    /// `GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE`: the workload identity provider the library exchanges for.
    let audience: String?
    /// `GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE`: the subject token type the configuration names.
    let tokenType: String?
    /// `GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=1`: stdout is the user's terminal; the response goes to the output file only.
    let interactive: Bool
    /// `GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE`: where the library looks for a cached response before running us.
    let outputFile: String?

    /// The contract's variables as the calling library set them.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        audience = value("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE")
        tokenType = value("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE")
        interactive = value("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE") == "1"
        outputFile = value("GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE")
    }

    /// True when a Google auth library runs us (it always sets the audience and token type).
    var runByGoogleLibrary: Bool { audience != nil || tokenType != nil }

    /// The token type to answer with: the configured one when it is an OIDC type, else an error.
    func responseTokenType() throws(GoogleExecutableFailure) -> String {
        guard let tokenType else { return Self.idTokenType }
        guard tokenType == Self.idTokenType || tokenType == Self.jwtTokenType else {
            throw GoogleExecutableFailure(
                code: "unsupported_token_type",
                message:
                    "Gatehouse provides OIDC ID tokens; set subject_token_type to \(Self.idTokenType) in the credential configuration (it names \(tokenType))"
            )
        }
        return tokenType
    }

    /// Refuses an audience other than the workload identity provider the daemon is configured for,
    /// which would otherwise fail later at STS with a less helpful message.
    func checkAudience(configured: String?) throws(GoogleExecutableFailure) {
        guard let audience, let configured, audience != configured else { return }
        throw GoogleExecutableFailure(
            code: "audience_mismatch",
            message:
                "the credential configuration's audience \(audience) is not identity.workload_identity_audience (\(configured)); regenerate it with `gatehouse token google-config`"
        )
    }

    /// The success response for an ID token valid until `expiresAtUnix`.
    static func success(idToken: JSONValue, tokenType: String, expiresAtUnix: JSONValue) -> JSONValue {
        ["version": version, "success": true, "token_type": .string(tokenType), "id_token": idToken, "expiration_time": expiresAtUnix]
    }

    /// Writes `response` to the output file (0600, replaced atomically), as the contract requires when
    /// one is configured: the library reads it first and runs us again only once it has expired.
    func writeOutputFile(_ response: JSONValue) throws(GoogleExecutableFailure) {
        guard let outputFile else { return }
        var bytes = JSONWriter.bytes(response, sortedKeys: true)
        bytes.append(UInt8(ascii: "\n"))
        let temporary = outputFile + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .outputFile(outputFile, errno) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let failed = written != bytes.count ? errno : 0
        close(fd)
        guard failed == 0, rename(temporary, outputFile) == 0 else {
            let code = failed != 0 ? failed : errno
            unlink(temporary)
            throw .outputFile(outputFile, code)
        }
    }
}

/// A failure in the contract's shape: a stable `code` a script or person can act on, and a message.
struct GoogleExecutableFailure: Error {
    let code: String
    let message: String
    /// The CLI's exit status when a person, not a Google library, runs the command.
    var exitCode: ExitCode = .error

    /// The contract's error response.
    var response: JSONValue {
        ["version": GoogleExecutableContract.version, "success": false, "code": .string(code), "message": .string(message)]
    }

    static func outputFile(_ path: String, _ code: Int32) -> GoogleExecutableFailure {
        GoogleExecutableFailure(code: "output_file_unwritable", message: "cannot write the output file \(path): \(String(cString: strerror(code)))")
    }

    /// A client failure, coded by the daemon's `data.reason` (e.g. `not_signed_in`) where it gave one.
    init(_ error: RPCClientError) {
        let cli = CLIFailure(error)
        exitCode = cli.code
        message = cli.message
        switch error {
        case .unreachable: code = "daemon_unreachable"
        case .timedOut: code = "daemon_timeout"
        case .protocolViolation: code = "daemon_protocol_error"
        case .rpc(let rpc): code = rpc.reason ?? "rpc_error_\(rpc.code)"
        }
    }

    init(code: String, message: String, exitCode: ExitCode = .error) {
        self.code = code
        self.message = message
        self.exitCode = exitCode
    }
}
