import ArgumentParser
import Foundation

/// `--yes`, on every command that destroys something.
struct ConfirmationOption: ParsableArguments {
    @Flag(name: [.customShort("y"), .long], help: "Do not ask; needed when not at a terminal (scripts, CI).")
    var yes = false

    /// Goes on when `--yes` was given or a person at the terminal answers y; else throws a usage failure
    /// (exit 2) that says how to go on. `what` has already been printed; `action` is e.g. "delete 2 clusters".
    func confirm(_ action: String) throws {
        if yes { return }
        guard Terminal.isInteractive else {
            throw CLIFailure("refusing to \(action) without --yes (not an interactive terminal)", code: .usage, reason: "confirmation_required")
        }
        FileHandle.standardError.write(Data("\(action.prefix(1).uppercased() + action.dropFirst())? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw CLIFailure("not confirmed; nothing was changed", code: .error, reason: "not_confirmed")
        }
    }
}

extension FileHandle {
    /// Writes one line to stderr (questions and what they are about, never data).
    static func standardErrorLine(_ line: String) {
        standardError.write(Data((line + "\n").utf8))
    }
}
