import Foundation
import GatehouseHTTP
import GatehouseTesting
import Hummingbird
import Testing

/// How calls reach the network: through a configured proxy (or around it), and over TLS checked
/// against the system's CAs or a configured bundle.
@Suite("Proxies and TLS")
struct NetworkPathTests {
    @Test("Proxy URLs are parsed by libcurl's rules, and their password never shows")
    func proxyParsing() throws {
        for url in ["http://proxy.example.com:3128", "https://proxy.example.com", "socks5h://127.0.0.1:1080"] {
            #expect(HTTPProxy(url) != nil, "\(url)")
        }
        for url in ["proxy.example.com:3128", "ftp://proxy.example.com", "http://", ""] {
            #expect(HTTPProxy(url) == nil, "\(url)")
        }
        let proxy = try #require(HTTPProxy("http://alice:pr0xy-pass@proxy.example.com:3128"))
        #expect(!proxy.loggable.contains("pr0xy-pass") && !proxy.loggable.contains("alice"))
        #expect(proxy.loggable.contains("proxy.example.com:3128"))
    }

    @Test("A configured proxy carries every call, with its credentials; the upstream is named only in the request")
    func callsGoThroughTheProxy() async throws {
        let recorder = RequestRecorder()
        try await withScriptedServer(routes: { router in
            // A forward proxy is asked for the absolute URL; it answers here as if it had fetched it.
            router.get("/through-proxy") { request, _ -> String in
                // HTTP types keep Host apart from the other fields, as the :authority pseudo-header.
                recorder.record(headers: request.headerDictionary.merging(["host": request.head.authority ?? ""]) { $1 })
                return "proxied"
            }
        }) { proxyURL in
            let authenticated = proxyURL.replacingOccurrences(of: "http://", with: "http://alice:pr0xy-pass@")
            let client = makeTestClient(proxy: HTTPProxy(authenticated))
            let response = try await client.send(.get("http://backstage.internal.invalid/through-proxy", upstream: "backstage"))
            #expect(String(decoding: response.body, as: UTF8.self) == "proxied")
        }
        let seen = try #require(recorder.all.first)
        #expect(seen.headers["host"] == "backstage.internal.invalid")
        #expect(seen.headers["proxy-authorization"] == "Basic " + Data("alice:pr0xy-pass".utf8).base64EncodedString())
    }

    @Test("An unreachable proxy fails the call with a connection error that does not carry its password")
    func unreachableProxy() async throws {
        let port = try closedLoopbackPort()
        let client = makeTestClient(maxAttempts: 1, proxy: HTTPProxy("http://alice:pr0xy-pass@127.0.0.1:\(port)"))
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(.get("http://backstage.internal.invalid/x", upstream: "backstage"))
        }
        guard case .connectionFailed(let upstream, let detail) = error else {
            Issue.record("expected .connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(upstream == "backstage")
        // It was the proxy that could not be reached (the upstream's name does not even resolve).
        #expect(detail.contains("port \(port)"), "\(detail)")
        #expect(!"\(String(describing: error))".contains("pr0xy-pass"))
    }

    @Test("Hosts on the no-proxy list are reached directly")
    func noProxyBypasses() async throws {
        let port = try closedLoopbackPort()
        // The proxy refuses connections, so only a direct call can succeed.
        let client = makeTestClient(maxAttempts: 1, proxy: HTTPProxy("http://127.0.0.1:\(port)"), noProxy: "127.0.0.1")
        let body = try await withScriptedServer(routes: { router in router.get("/direct") { _, _ in "direct" } }) { base in
            try await client.send(.get("\(base)/direct", upstream: "looker")).body
        }
        #expect(String(decoding: body, as: UTF8.self) == "direct")
    }

    @Test("TLS is verified: a certificate from an unknown CA is refused, and trusted once its CA bundle is configured")
    func tlsVerification() async throws {
        let server = try LoopbackTLSServer()
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/hello"

        let error = await #expect(throws: HTTPError.self) {
            try await makeTestClient(maxAttempts: 1).send(.get(url, upstream: "looker"))
        }
        guard case .connectionFailed(_, let detail) = error else {
            Issue.record("expected .connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("TLS verification failed"), "\(detail)")

        let trusted = makeTestClient(maxAttempts: 1, caBundlePath: server.certificatePath)
        let response = try await trusted.send(.get(url, upstream: "looker"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "over tls")
    }
}

/// An HTTPS server on 127.0.0.1 with a fresh self-signed certificate (made with the openssl CLI and
/// served by Python's `ssl` module, the two TLS stacks at hand; Gatehouse itself only ever dials out).
private final class LoopbackTLSServer: Sendable {
    let port: Int
    let certificatePath: String
    private let directory: String
    private let process: ChildProcess

    init() throws {
        let openssl = try #require(Self.onPath("openssl"), "openssl is needed (scripts/setup.sh installs it)")
        let python = try #require(Self.onPath("python3"), "python3 is needed (scripts/setup.sh installs it)")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificatePath = directory + "/cert.pem"
        let keyPath = directory + "/key.pem"
        let made = try ChildProcess.run(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certificatePath,
            ])
        try #require(made.status == 0, "openssl req failed: \(made.stderr)")
        let script = directory + "/serve.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        process = try ChildProcess(python, [script, certificatePath, keyPath], stdout: .capture, stderr: .discard)
        // The server prints its port once it listens.
        guard let port = process.standardOutput.flatMap(Self.firstLine).flatMap(Int.init) else {
            process.send(SIGKILL)
            process.waitForExit()
            throw ScriptedServerError.noPort
        }
        self.port = port
    }

    func stop() {
        process.send(SIGKILL)
        process.waitForExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Reads up to the first newline (or the end); FileHandle's reads wait for a full buffer or the end.
    static func firstLine(of handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count < 64, read(handle.fileDescriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let script = """
        import http.server, ssl, sys

        class Hello(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"over tls"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
}
