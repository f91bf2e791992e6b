/// The fields Gatehouse reads from `/proc/PID/stat` (proc(5)).
public struct ProcStat: Sendable, Equatable {
    /// `comm`: the process name, at most 15 bytes, as the kernel keeps it.
    public var name: String
    /// The parent's pid (0 for the top of the tree).
    public var parentPID: Int32
    /// `tty_nr`: the controlling terminal's device number, 0 when there is none.
    public var terminalDevice: Int32

    /// Parsed fields.
    public init(name: String, parentPID: Int32, terminalDevice: Int32) {
        self.name = name
        self.parentPID = parentPID
        self.terminalDevice = terminalDevice
    }

    /// Parses one `stat` line. `comm` may itself contain spaces and parentheses, so the fields after
    /// it are counted from the *last* `)`.
    public init?(parsing line: String) {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { return nil }
        let rest = line[line.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest: state(3) ppid(4) pgrp(5) session(6) tty_nr(7) ...
        guard rest.count >= 5, let parent = Int32(rest[1]), let tty = Int32(rest[4]) else { return nil }
        self.init(name: String(line[line.index(after: open)..<close]), parentPID: parent, terminalDevice: tty)
    }

    /// The stat of `pid`, or nil when it is gone or unreadable.
    public static func read(pid: Int32) -> ProcStat? {
        guard let bytes = ProcFile.read("/proc/\(pid)/stat") else { return nil }
        return ProcStat(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// True when the process has a controlling terminal (a real tty or a pseudo-terminal).
    public var hasTerminal: Bool { terminalDevice != 0 }
}
