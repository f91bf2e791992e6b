import Foundation
import GatehouseTesting
import Testing

@Suite("Child processes for tests")
struct ChildProcessTests {
    @Test("output, errors and the exit code come back; a signal reads as 128 + its number")
    func capturesOutputAndStatus() throws {
        let result = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(result == CommandResult(status: 3, stdout: "out\n", stderr: "err\n"))

        let sleeper = try ChildProcess("/bin/sleep", ["30"])
        #expect(sleeper.isRunning)
        sleeper.send(SIGKILL)
        #expect(sleeper.waitForExit() == 128 + SIGKILL)
        #expect(!sleeper.isRunning)
        #expect(throws: ChildProcessError.self) { _ = try ChildProcess("/nonexistent/program") }
    }

    /// Foundation's `Process.run()` crashed the test process with this many descriptors open.
    @Test("with 1,500 descriptors open, a child starts and inherits none of them")
    func manyOpenDescriptorsAreNeitherAProblemNorInherited() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let wanted = rlim_t(4096)
        if limit.rlim_cur < wanted && limit.rlim_max >= wanted {
            var raised = limit
            raised.rlim_cur = wanted
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised)
        }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        // Plain open(2): no close-on-exec, as a careless library would leave them.
        for _ in 0..<1_500 {
            let fd = open("/dev/null", O_RDONLY)
            guard fd >= 0 else { break }
            opened.append(fd)
        }
        try #require(opened.count == 1_500, "the descriptor limit is too low for this test")

        let listing = try ChildProcess.run("/bin/ls", ["/proc/self/fd"])
        #expect(listing.status == 0)
        // ls has its standard streams (0-2) and, as 3, the directory it is reading: nothing else.
        let inherited = listing.stdout.split(separator: "\n").compactMap { Int32($0) }.filter { $0 > 3 }
        #expect(inherited.isEmpty, "inherited descriptors: \(inherited.prefix(10))")
    }
}
