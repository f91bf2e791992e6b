/// One process above the caller in its parent chain, for the record and for caller classes
/// that match an ancestor (an agent that spawned a shell that runs the CLI).
public struct PeerAncestor: Sendable, Equatable, Codable {
    /// Its process id when it was read (pids are reused; the chain is a snapshot).
    public var pid: Int32
    /// The kernel's short name (`comm`).
    public var name: String
    /// `/proc/PID/exe`, when readable.
    public var executable: String?

    /// An ancestor.
    public init(pid: Int32, name: String, executable: String?) {
        self.pid = pid
        self.name = name
        self.executable = executable
    }

    /// Up to `depth` ancestors of a process whose parent is `parentPID`, nearest first; stops at pid 1 or an unreadable process.
    public static func chain(from parentPID: Int32, depth: Int = 6) -> [PeerAncestor] {
        var chain: [PeerAncestor] = []
        var pid = parentPID
        // Bounded: pids can be reused while we walk, so never trust the chain to end by itself.
        while pid > 0, chain.count < depth, let stat = ProcStat.read(pid: pid) {
            chain.append(PeerAncestor(pid: pid, name: stat.name, executable: ProcFile.link("/proc/\(pid)/exe")))
            if pid == 1 { break }
            pid = stat.parentPID
        }
        return chain
    }
}
