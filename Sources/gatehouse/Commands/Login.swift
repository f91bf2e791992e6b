import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse login`: signs in through the daemon (loopback PKCE, or `--device`) and waits for it to finish.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in at the IdP: opens (or with --no-browser prints) the sign-in URL; --device prints a code to type elsewhere.",
        discussion: """
            EXAMPLES:
              gatehouse login
              gatehouse login --device        # over ssh, no browser here
              gatehouse login --no-browser
              gatehouse login --device --json  # a JSON line with url and userCode, then one with the outcome
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Use the device flow: print the verification URL and code instead of a local redirect.") var device = false
    @Flag(help: "Print the URL instead of opening a browser.") var noBrowser = false

    func run() throws {
        let status = try SignIn.run(global, device: device, noBrowser: noBrowser)
        if global.json { return Output.jsonLine(status) }
        print("signed in as \(SignIn.name(of: status))")
    }
}

/// One sign-in through the daemon, from start to signed in: shared by `login` and the step-up of `approve`.
enum SignIn {
    /// Starts the flow, shows the person what to open or type, and waits; answers the final `auth.login.status`.
    /// With `fresh`, the IdP is asked to authenticate the person again.
    static func run(_ global: GlobalOptions, device: Bool, noBrowser: Bool, fresh: Bool = false) throws -> JSONValue {
        var params: [String: JSONValue] = ["method": .string(device ? "device" : "loopback")]
        if fresh { params["fresh"] = true }
        let challenge = try global.call("auth.login.start", .object(params))
        guard let id = challenge["id"]?.stringValue, let url = challenge["url"]?.stringValue else {
            throw CLIFailure("the daemon's answer to auth.login.start has no id/url")
        }
        // Everything here came from the IdP through the daemon: printed only without escape sequences.
        let safe = TerminalText.sanitized
        if global.json {
            // One JSON document per line: the challenge now (a script shows the URL and code), the outcome at the end.
            Output.jsonLine(challenge)
            if !device && !noBrowser { BrowserOpener.open(challenge["browserURL"]?.stringValue ?? url) }
        } else if device {
            if let warning = challenge["warning"]?.stringValue { Output.error("warning: " + warning) }
            print("Open \(safe(url)) and enter the code: \(safe(challenge["userCode"]?.stringValue ?? "?"))")
            if let complete = challenge["verificationURIComplete"]?.stringValue { print("(or open \(safe(complete)))") }
        } else {
            print("Open this URL to sign in:\n\(safe(url))")
            // The opener's argv is readable by every local user: it gets the daemon's local start
            // address, which redirects only this user's browser to the URL above.
            if !noBrowser { BrowserOpener.open(challenge["browserURL"]?.stringValue ?? url) }
        }
        // The code must reach a pipe or file now, not when the sign-in ends (stdout is buffered there).
        fflush(nil)
        while true {
            let status = try global.call("auth.login.status", ["id": .string(id)])
            switch status["state"]?.stringValue {
            case "signed_in": return status
            case "failed": throw CLIFailure(safe(status["error"]?.stringValue ?? "sign-in failed"), code: .signIn, reason: "login_failed")
            default: Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// Who a final status says is signed in, fit to print.
    static func name(of status: JSONValue) -> String {
        TerminalText.sanitized(status["principal"]?["email"]?.stringValue ?? status["principal"]?["subject"]?.stringValue ?? "?")
    }
}

/// Opens a URL with the desktop's handler; a missing opener is not an error (the URL is printed).
enum BrowserOpener {
    static func open(_ url: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
