/// One word of a Dataproc list method's `filter` text: a field, a value, a comparison or a joiner.
/// Jobs, clusters and batches lists share this reading; each grammar decides what it accepts.
struct DataprocFilterToken: Equatable {
    var text: String
    /// Written in quotes: a value, never a comparison or a joiner (`""` is an empty value).
    var quoted: Bool

    /// Splits on whitespace; each comparison (`=`, `!=`, `<`, `>`, `<=`, `>=`) is a token of its own,
    /// so `state=RUNNING` reads as three; quoted text stays whole, without its quotes.
    static func split(_ text: String) -> [DataprocFilterToken] {
        var tokens: [DataprocFilterToken] = []
        var current = ""
        var quote: Character?
        var quoted = false
        func flush() {
            if !current.isEmpty || quoted { tokens.append(.init(text: current, quoted: quoted)) }
            current = ""
            quoted = false
        }
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
                quoted = true
            } else if character.isWhitespace {
                flush()
            } else if "=<>!".contains(character) {
                flush()
                var comparison = String(character)
                if characters.first == "=" { comparison.append(characters.removeFirst()) }
                tokens.append(.init(text: comparison, quoted: false))
            } else {
                current.append(character)
            }
        }
        flush()
        return tokens
    }

    /// True for an unquoted `text`.
    func isOperator(_ text: String) -> Bool { !quoted && self.text == text }
}
