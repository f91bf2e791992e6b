/// Rejects header fields that would let a value inject extra header lines into the request.
enum HeaderValidation {
    /// Throws `.invalidRequest` naming the first bad field (never its value).
    static func validate(_ headers: HTTPHeaders) throws(HTTPError) {
        for (name, value) in headers {
            let badName = name.isEmpty || name.unicodeScalars.contains { $0.value <= 0x20 || $0 == ":" || $0.value == 0x7F }
            if badName { throw .invalidRequest("header name \"\(name.filter { $0 != "\r" && $0 != "\n" })\" is not a valid token") }
            if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw .invalidRequest("the value of header \"\(name)\" contains a line break or NUL")
            }
        }
    }
}
