import Foundation

/// The two tiny HTML pages a person (or a test posting the form) uses to approve a sign-in.
enum OIDCPages {
    /// The consent form for `/authorize`: the original parameters ride along as hidden fields.
    static func consent(parameters: [String: String], users: [SandboxUser]) -> String {
        let hidden = parameters.sorted { $0.key < $1.key }
            .map { "<input type=\"hidden\" name=\"\(escape($0.key))\" value=\"\(escape($0.value))\">" }
            .joined(separator: "\n")
        return page(
            title: "Sign in to the Gatehouse sandbox",
            form: """
                <form method="post" action="\(OIDCPath.authorize)">
                \(hidden)
                \(userPicker(users))
                <button name="action" value="approve">Approve</button>
                <button name="action" value="deny">Deny</button>
                </form>
                """)
    }

    /// The device verification form (`verification_uri`), pre-filled from `verification_uri_complete`.
    static func device(userCode: String?, users: [SandboxUser], message: String? = nil) -> String {
        page(
            title: "Approve a device",
            form: """
                \(message.map { "<p>\(escape($0))</p>" } ?? "")
                <form method="post" action="\(OIDCPath.device)">
                <label>Code <input name="user_code" value="\(escape(userCode ?? ""))"></label>
                \(userPicker(users))
                <button name="action" value="approve">Approve</button>
                <button name="action" value="deny">Deny</button>
                </form>
                """)
    }

    /// A short page with a message.
    static func message(_ title: String, _ text: String) -> String {
        page(title: title, form: "<p>\(escape(text))</p>")
    }

    private static func userPicker(_ users: [SandboxUser]) -> String {
        let options = users.map { "<option value=\"\(escape($0.subject))\">\(escape($0.name)) (\(escape($0.email)))</option>" }
        return "<label>User <select name=\"sub\">\(options.joined())</select></label>"
    }

    private static func page(title: String, form: String) -> String {
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(escape(title))</title></head>"
            + "<body><h1>\(escape(title))</h1>\n\(form)\n</body></html>"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
