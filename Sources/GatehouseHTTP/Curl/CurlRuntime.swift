import CCurl
import CCurlShim

/// libcurl's process-wide initialization, done once before the first handle is made.
enum CurlRuntime {
    // curl_global_init is not thread-safe; a lazily initialized static runs it exactly once.
    private static let initialized: Bool = gh_global_init_all() == CURLE_OK

    /// Initializes libcurl if that has not happened yet; false when libcurl could not start.
    @discardableResult
    static func ensureInitialized() -> Bool { initialized }

    /// libcurl's text for a result code.
    static func message(for code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}
