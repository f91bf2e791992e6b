import CCurl
import CCurlShim
import Foundation
import Synchronization

/// What one attempt needs from libcurl, already resolved against the client's configuration.
struct CurlTransferSpec: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: HTTPHeaders
    var body: Data?
    var connectTimeout: Duration
    var timeout: Duration
    var maxResponseBytes: Int
    var caBundlePath: String?
    var proxy: HTTPProxy?
    var noProxy: String?
    var userAgent: String
}

/// One libcurl easy handle and the response it collects.
///
/// After `CurlEngine` takes it, the handle and the buffers are touched only on the engine's thread
/// (the callbacks run inside `curl_multi_perform`); the continuation and the cancel flag are
/// shared with the calling task and guarded by `shared`. Hence `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    private let maxResponseBytes: Int
    private var body = Data()
    private var headers = HTTPHeaders()
    private var exceededLimit = false

    private struct Shared {
        var continuation: CheckedContinuation<CurlOutcome, Never>?
        var cancelRequested = false
        var completed = false
    }
    private let shared = Mutex(Shared())

    /// A configured easy handle; throws `.invalidRequest` when libcurl refuses an option.
    init(_ spec: CurlTransferSpec) throws(HTTPError) {
        CurlRuntime.ensureInitialized()
        guard let easy = curl_easy_init() else { throw .invalidRequest("libcurl could not create a transfer handle") }
        self.easy = easy
        self.maxResponseBytes = spec.maxResponseBytes
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try configure(spec)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: completion, from any thread

    /// Registers the caller's continuation; false (and resumed with `.cancelled`) if cancellation came first.
    func attach(_ continuation: CheckedContinuation<CurlOutcome, Never>) -> Bool {
        let cancelledAlready = shared.withLock { state in
            state.continuation = continuation
            return state.cancelRequested
        }
        if cancelledAlready { complete(.cancelled) }
        return !cancelledAlready
    }

    /// Marks the transfer cancelled; the engine aborts it if it is running.
    func requestCancel() {
        shared.withLock { $0.cancelRequested = true }
    }

    var isCancelRequested: Bool { shared.withLock { $0.cancelRequested } }

    /// Resumes the caller exactly once, whoever gets here first.
    func complete(_ outcome: CurlOutcome) {
        let continuation = shared.withLock { state -> CheckedContinuation<CurlOutcome, Never>? in
            guard !state.completed, let continuation = state.continuation else { return nil }
            state.completed = true
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: outcome)
    }

    // MARK: engine thread only

    /// The result of a transfer libcurl reported as done with `code`.
    func completion(code: CURLcode) -> CurlCompletion {
        var status = 0
        var requestBytes = 0
        var uploaded: curl_off_t = 0
        gh_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        gh_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
        gh_easy_getinfo_off_t(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded)
        return CurlCompletion(
            code: code, status: status, headers: headers, body: body,
            bytesSent: requestBytes + Int(uploaded), errorText: String(cString: errorBuffer),
            exceededLimit: exceededLimit
        )
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard body.count + bytes.count <= maxResponseBytes else {
            exceededLimit = true
            return 0  // anything but bytes.count makes libcurl abort with CURLE_WRITE_ERROR
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            // A new status line (after 100 Continue or a proxy's CONNECT reply) starts a new header block.
            headers = HTTPHeaders()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.add(name, value)
        }
        return bytes.count
    }

    // MARK: setup

    private func configure(_ spec: CurlTransferSpec) throws(HTTPError) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(gh_easy_setopt_string(easy, CURLOPT_URL, spec.url), "URL")
        try check(gh_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        // Signals are process-wide and unsafe with threads; libcurl must not use them for timeouts.
        try check(gh_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "nosignal")
        // Following a redirect would send the Authorization header to whatever host it names.
        try check(gh_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "redirects")
        try check(gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "TLS peer verification")
        try check(gh_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "TLS host verification")
        if let caBundlePath = spec.caBundlePath {
            try check(gh_easy_setopt_string(easy, CURLOPT_CAINFO, caBundlePath), "CA bundle")
        }
        // Unset, libcurl reads http_proxy, https_proxy, all_proxy and no_proxy from the environment.
        if let proxy = spec.proxy { try check(gh_easy_setopt_string(easy, CURLOPT_PROXY, proxy.url), "proxy") }
        if let noProxy = spec.noProxy { try check(gh_easy_setopt_string(easy, CURLOPT_NOPROXY, noProxy), "no-proxy list") }
        try check(gh_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""), "accept-encoding")
        try check(gh_easy_setopt_string(easy, CURLOPT_USERAGENT, spec.userAgent), "user agent")
        try check(gh_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(spec.connectTimeout)), "connect timeout")
        try check(gh_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(spec.timeout)), "timeout")
        // Rejects a declared Content-Length over the limit before any of the body arrives.
        try check(gh_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(spec.maxResponseBytes)), "size limit")
        try check(gh_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try check(gh_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteBody), "write callback")
        try check(gh_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "write context")
        try check(gh_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader), "header callback")
        try check(gh_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "header context")
        try configureMethod(spec.method, body: spec.body)
        try configureHeaders(spec.headers)
    }

    private func configureMethod(_ method: HTTPMethod, body: Data?) throws(HTTPError) {
        switch method {
        case .GET:
            try check(gh_easy_setopt_long(easy, CURLOPT_HTTPGET, 1), "GET")
        case .HEAD:
            try check(gh_easy_setopt_long(easy, CURLOPT_NOBODY, 1), "HEAD")
        case .POST, .PUT, .PATCH:
            try setBody(body ?? Data())
            if method != .POST { try check(gh_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.rawValue), "method") }
        case .DELETE:
            if let body { try setBody(body) }
            try check(gh_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.rawValue), "method")
        }
    }

    private func setBody(_ body: Data) throws(HTTPError) {
        // The size goes first so COPYPOSTFIELDS copies exactly these bytes (bodies may contain NUL).
        try check(gh_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
        let code = body.withUnsafeBytes { bytes in
            // An empty Data may have no base address; libcurl still needs a valid pointer.
            gh_easy_setopt_pointer(
                easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)))
        }
        try check(code, "body")
    }

    private func configureHeaders(_ headers: HTTPHeaders) throws(HTTPError) {
        // An empty `Expect:` stops libcurl waiting for 100-continue before sending larger bodies.
        var lines = ["Expect:"]
        for (name, value) in headers {
            // `Name;` is libcurl's way to send a header with an empty value; `Name:` would remove it.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw .invalidRequest("libcurl could not store the request headers")
            }
            headerList = appended
        }
        try check(gh_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)), "headers")
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPError) {
        guard code == CURLE_OK else {
            throw .invalidRequest("libcurl rejected the \(what) setting: \(CurlRuntime.message(for: code))")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

// libcurl calls these C function pointers; `context` is the unretained CurlTransfer kept alive by the engine.
private let curlWriteBody: curl_write_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlWriteHeader: curl_write_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
}
