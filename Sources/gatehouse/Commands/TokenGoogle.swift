import ArgumentParser
import Foundation
import GatehouseBroker
import GatehouseCore
import GatehouseRPC

/// One run of `gatehouse token google-executable` under Google's executable-sourced credential contract.
struct GoogleExecutableRun {
    let global: GlobalOptions
    let contract: GoogleExecutableContract

    /// Answers in the contract's shape; the exit status is non-zero only when a person runs it.
    func run() throws {
        switch answer() {
        case .success(let response):
            if contract.interactive {
                print("gatehouse: Google credentials ready (valid until \(response["expiration_time"]?.canonicalString ?? "?"))")
            } else {
                Output.jsonLine(response)
            }
        case .failure(let failure):
            if contract.interactive {
                // The library reads the answer from the output file; stdout is the user's terminal.
                _ = Result { () throws(GoogleExecutableFailure) in try contract.writeOutputFile(failure.response) }
            } else {
                Output.jsonLine(failure.response)
            }
            // A Google library ignores the JSON of a non-zero exit: it must see exit 0 to report the code.
            if !contract.runByGoogleLibrary || contract.interactive { throw CLIFailure(failure.message, code: failure.exitCode) }
        }
    }

    /// The token in the contract's shape, written to the output file when one is configured.
    private func answer() -> Result<JSONValue, GoogleExecutableFailure> {
        Result { () throws(GoogleExecutableFailure) -> JSONValue in
            let response = try obtain()
            try contract.writeOutputFile(response)
            return response
        }
    }

    private func obtain() throws(GoogleExecutableFailure) -> JSONValue {
        let config: Config
        do { config = try global.loadConfig() } catch {
            throw GoogleExecutableFailure(code: "invalid_configuration", message: (error as? CLIFailure)?.message ?? "\(error)", exitCode: .usage)
        }
        try contract.checkAudience(configured: config[ConfigKeys.Identity.workloadIdentityAudience])
        let tokenType = try contract.responseTokenType()
        let client: RPCClient
        do { client = try RPCClient(socketPath: BrokerPaths.socket(config)) } catch { throw GoogleExecutableFailure(error) }
        let answer: JSONValue
        do {
            answer = try client.call("token.get", params: ["audience": "oidc"])
        } catch .rpc(let error) where error.reason == "not_signed_in" && contract.interactive {
            // Interactive mode is the library's way of saying a person is at the terminal: sign in now.
            try signIn()
            do { answer = try client.call("token.get", params: ["audience": "oidc"]) } catch { throw GoogleExecutableFailure(error) }
        } catch {
            throw GoogleExecutableFailure(error)
        }
        return GoogleExecutableContract.success(
            idToken: answer["token"] ?? .null, tokenType: tokenType, expiresAtUnix: answer["expiresAtUnix"] ?? .null)
    }

    private func signIn() throws(GoogleExecutableFailure) {
        do {
            try Login.parse(global.arguments).run()
        } catch let failure as CLIFailure {
            throw GoogleExecutableFailure(code: "login_failed", message: failure.message, exitCode: failure.code)
        } catch {
            throw GoogleExecutableFailure(code: "login_failed", message: "\(error)")
        }
    }
}

extension Token {
    /// `gatehouse token google-config`: a credential configuration file Google's libraries and gcloud load.
    struct GoogleConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "google-config",
            abstract: "Print a Google credential configuration (external_account, executable source) that runs this gatehouse.",
            discussion: """
                Save it and point GOOGLE_APPLICATION_CREDENTIALS at it; Google's libraries also need \
                GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1. With identity.service_account set, the libraries \
                impersonate that service account after the STS exchange.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Where Google's libraries cache the executable's response (the ID token; written 0600). Default: none, run every time.")
        var outputFile: String?
        @Option(help: "How long the libraries wait for the executable, in milliseconds (5000-120000).")
        var timeoutMillis: Int = 30_000

        func run() throws {
            guard (5_000...120_000).contains(timeoutMillis) else {
                throw CLIFailure("--timeout-millis must be between 5000 and 120000 (google-auth's bounds)", code: .usage)
            }
            let config = try global.loadConfig()
            guard let audience = config[ConfigKeys.Identity.workloadIdentityAudience] else {
                throw CLIFailure(
                    "identity.workload_identity_audience is not set: Google's libraries need the workload identity provider to exchange the token with",
                    code: .usage)
            }
            let document = GoogleCredentialConfiguration(
                audience: audience, stsURL: config[ConfigKeys.Identity.stsURL],
                iamCredentialsURL: config[ConfigKeys.Identity.iamCredentialsURL],
                serviceAccount: config[ConfigKeys.Identity.serviceAccount],
                command: ([Self.executablePath()] + ["token", "google-executable"] + locationArguments()).map(Self.shellQuoted).joined(
                    separator: " "),
                timeoutMillis: timeoutMillis, outputFile: outputFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
            Output.json(document.json)
        }

        /// The location flags with absolute paths (the library runs the command from its own directory);
        /// a config named only by GATEHOUSE_CONFIG is named explicitly, as the library may run without it.
        func locationArguments() -> [String] {
            func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
            var words: [String] = []
            if let file = global.config ?? ProcessInfo.processInfo.environment["GATEHOUSE_CONFIG"] { words += ["--config", absolute(file)] }
            if let socket = global.socket { words += ["--socket", absolute(socket)] }
            return words
        }

        /// This binary's absolute path, so the configuration works whatever PATH the library runs with;
        /// when gatehouse-front handed over (argv[0] is its absolute path), the front's, which answers fast.
        static func executablePath() -> String {
            let invoked = CommandLine.arguments[0]
            if invoked.hasPrefix("/") && FileManager.default.isExecutableFile(atPath: invoked) { return invoked }
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? invoked
        }

        /// A word google-auth's `shlex.split` reads back unchanged.
        static func shellQuoted(_ word: String) -> String {
            let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@,+".contains($0) }
            return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
    }
}

/// Google's `external_account` credential configuration with an executable credential source.
struct GoogleCredentialConfiguration {
    let audience: String
    let stsURL: String
    let iamCredentialsURL: String
    let serviceAccount: String?
    let command: String
    let timeoutMillis: Int
    let outputFile: String?

    var json: JSONValue {
        var executable: [String: JSONValue] = ["command": .string(command), "timeout_millis": .int(Int64(timeoutMillis))]
        if let outputFile { executable["output_file"] = .string(outputFile) }
        var document: [String: JSONValue] = [
            "type": "external_account", "audience": .string(audience),
            "subject_token_type": .string(GoogleExecutableContract.idTokenType), "token_url": .string(stsURL),
            "credential_source": ["executable": .object(executable)],
        ]
        if let serviceAccount {
            let root = iamCredentialsURL.hasSuffix("/") ? String(iamCredentialsURL.dropLast()) : iamCredentialsURL
            let account = serviceAccount.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? serviceAccount
            document["service_account_impersonation_url"] = .string("\(root)/v1/projects/-/serviceAccounts/\(account):generateAccessToken")
        }
        return .object(document)
    }
}

extension GlobalOptions {
    /// The location flags as given, to pass on to another run of this CLI (the executable command, a sign-in).
    var arguments: [String] {
        var words: [String] = []
        if let config { words += ["--config", config] }
        if let socket { words += ["--socket", socket] }
        return words
    }
}
