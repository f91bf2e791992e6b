import Glibc

// gatehouse-front: the CLI's fast paths without the CLI's start-up cost.
//
// The full `gatehouse` binary spends most of a short call starting up: swift-argument-parser's command
// lookup scans the protocol conformances of the whole binary, and the loader binds libcurl's TLS,
// Kerberos and LDAP chain that a client call never uses (docs/benchmarks.md). This program links
// Glibc only. It answers `gatehouse call system.ping` and `gatehouse token google-executable` (when
// the daemon hands out the cached token) itself, and execs the full CLI, with the same arguments, for
// everything else: any other command, any flag, a configuration it would have to parse (YAML), an
// interactive Google library, and every failure, so errors and exit codes are the full CLI's own.

/// The full CLI: beside this program (a build directory) or in ../lib/gatehouse (the Debian package).
func fullCLI(self path: String) -> String? {
    let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    for candidate in [directory + "/../lib/gatehouse/gatehouse", directory + "/gatehouse"] where candidate != path {
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// A line on stderr (fd 2: the C `stderr` global is not concurrency-safe to name in Swift 6).
func complain(_ message: String) {
    let bytes = Array(("gatehouse: " + message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
}

/// This program's own path (argv[0] may be a bare name found on PATH).
func selfPath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
}

/// Replaces this process with the full CLI; argv[0] stays this program's path, so the full CLI names
/// the front in what it writes (a Google credential configuration, a systemd unit).
func handOver() -> Never {
    let me = selfPath()
    guard let full = fullCLI(self: me) else {
        complain("the full CLI is missing (looked beside \(me) and in ../lib/gatehouse)")
        exit(1)
    }
    let arguments = [me] + CommandLine.arguments.dropFirst()
    let cArguments = arguments.map { strdup($0) } + [nil]
    execv(full, cArguments)
    complain("cannot run \(full): \(String(cString: strerror(errno)))")
    exit(1)
}

/// GATEHOUSE_* variables this program understands; any other one (a config key, or a misspelt one the
/// full CLI would name) goes to the full CLI.
let understood: Set<String> = ["GATEHOUSE_CONFIG", "GATEHOUSE_SOCKET", "GATEHOUSE_IDENTITY_WORKLOAD_IDENTITY_AUDIENCE"]

func onlyUnderstoodVariables() -> Bool {
    var entry = environ
    while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if text.hasPrefix("GATEHOUSE_"), let name = text.split(separator: "=", maxSplits: 1).first, !understood.contains(String(name)) {
            return false
        }
        entry += 1
    }
    return true
}

/// The two settings the fast paths need, from the config file's plain block form, the environment and
/// the defaults, in the full CLI's order (file, then GATEHOUSE_* variables); nil when the file uses
/// anything beyond `key: value` lines and comments (flow style, anchors, block scalars, tabs, `~`):
/// the full CLI reads it then.
struct Settings {
    var socket: String
    var audience: String?

    static func load() -> Settings? {
        guard onlyUnderstoodVariables() else { return nil }
        let home = environment("HOME") ?? ""
        var socket: String?
        var audience: String?
        let file = environment("GATEHOUSE_CONFIG") ?? home + "/.config/gatehouse/config.yaml"
        if let text = readSmallFile(file) {
            var section = ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let trimmed = line.drop { $0 == " " }
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard !line.contains(where: { "\t{}[]&*|>!#~\\\r".contains($0) }), let colon = trimmed.firstIndex(of: ":") else { return nil }
                let key = String(trimmed[..<colon])
                var value = String(trimmed[trimmed.index(after: colon)...].drop { $0 == " " })
                if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                    value = String(value.dropFirst().dropLast())
                }
                if line.first != " " {
                    section = key
                    if key == "socket" { socket = value }
                } else if section == "identity" && key == "workload_identity_audience" {
                    audience = value
                }
            }
        } else if environment("GATEHOUSE_CONFIG") != nil || access(file, F_OK) == 0 {
            return nil  // named or present but unreadable: the full CLI says why
        }
        socket = environment("GATEHOUSE_SOCKET") ?? socket
        audience = environment("GATEHOUSE_IDENTITY_WORKLOAD_IDENTITY_AUDIENCE") ?? audience
        if let socket, !socket.hasPrefix("/") { return nil }
        let fallback = environment("XDG_RUNTIME_DIR").map { $0 + "/gatehouse/gatehouse.sock" } ?? home + "/.gatehouse/gatehouse.sock"
        return Settings(socket: socket ?? fallback, audience: audience)
    }
}

/// A file's text, if it exists and is under 64 KB.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 65_536)
    var total = 0
    while total < bytes.count {
        let count = bytes[total...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return String(decoding: bytes[..<total], as: UTF8.self) }
        total += count
    }
    return nil
}

/// One request on a fresh connection; the answer line with id 1 (notifications skipped), or nil.
func call(_ socketPath: String, _ request: String) -> [UInt8]? {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = Array(socketPath.utf8CString)
    guard path.count <= MemoryLayout.size(ofValue: address.sun_path) else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in path.withUnsafeBytes { buffer.copyMemory(from: $0) } }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else { return nil }
    let bytes = Array((request + "\n").utf8)
    var sent = 0
    while sent < bytes.count {
        let written = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return nil }
        sent += written
    }
    var pending: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            // The daemon writes answers as {"jsonrpc":"2.0",("result"|"error"):…,"id":1}; notifications have no id.
            if line.ends(with: Array(#","id":1}"#.utf8)) { return line }
            continue
        }
        let count = read(fd, &chunk, chunk.count)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return nil }
        pending += chunk[..<count]
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }

    /// The text of a plain string member `"name":"…"` (no escapes), for members the daemon writes as such.
    func plainString(_ name: String) -> String? {
        let key = Array("\"\(name)\":\"".utf8)
        guard let start = firstRange(of: key)?.upperBound, let end = self[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let value = self[start..<end]
        return value.contains(UInt8(ascii: "\\")) ? nil : String(decoding: value, as: UTF8.self)
    }

    /// The digits of an integer member `"name":123`.
    func integer(_ name: String) -> String? {
        let key = Array("\"\(name)\":".utf8)
        guard let start = firstRange(of: key)?.upperBound else { return nil }
        let digits = self[start...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
    }
}

/// `gatehouse call system.ping`: prints "pong" as the full CLI does.
func ping() -> Never {
    guard let settings = Settings.load(), let answer = call(settings.socket, #"{"jsonrpc":"2.0","method":"system.ping","id":1}"#),
        answer == Array(#"{"jsonrpc":"2.0","result":"pong","id":1}"#.utf8)
    else { handOver() }
    print("\"pong\"")
    exit(0)
}

/// `gatehouse token google-executable`, non-interactive, with the cached ID token: the contract's success
/// response; an audience other than identity.workload_identity_audience goes to the full CLI, which refuses it.
func googleExecutable() -> Never {
    let idToken = "urn:ietf:params:oauth:token-type:id_token"
    let tokenType = environment("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE") ?? idToken
    guard let settings = Settings.load(), environment("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE") != "1",
        environment("GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE") == nil,
        tokenType == idToken || tokenType == "urn:ietf:params:oauth:token-type:jwt",
        environment("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE").map({ $0 == settings.audience ?? $0 }) ?? true,
        let answer = call(settings.socket, #"{"jsonrpc":"2.0","method":"token.get","params":{"audience":"oidc"},"id":1}"#),
        answer.starts(with: Array(#"{"jsonrpc":"2.0","result":{"#.utf8)),
        let token = answer.plainString("token"), let expiry = answer.integer("expiresAtUnix")
    else { handOver() }
    // As the full CLI writes it (JSONWriter, sorted keys, one line).
    print(#"{"expiration_time":\#(expiry),"id_token":"\#(token)","success":true,"token_type":"\#(tokenType)","version":1}"#)
    exit(0)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments == ["call", "system.ping"] { ping() }
if arguments == ["token", "google-executable"] { googleExecutable() }
handOver()
