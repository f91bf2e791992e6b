import Foundation

/// The command's arguments (without the program name). Swift's `CommandLine.arguments` is empty when a
/// preloaded library keeps the runtime from seeing argv (libfaketime, which the clock-jump tests put
/// under the daemon, does); the kernel's copy in /proc/self/cmdline is read then.
enum ProcessArguments {
    static var current: [String] {
        if !CommandLine.arguments.isEmpty { return Array(CommandLine.arguments.dropFirst()) }
        guard let bytes = FileManager.default.contents(atPath: "/proc/self/cmdline") else { return [] }
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        // The block ends with a NUL, which leaves one empty part at the end.
        return Array(parts.dropFirst().dropLast(parts.last == "" ? 1 : 0))
    }
}
