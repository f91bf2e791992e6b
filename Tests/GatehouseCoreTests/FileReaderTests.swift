import Foundation
import GatehouseCore
import Testing

/// Config and secret files may be regular files, pipes, FIFOs or `/dev/fd/N`; everything else is named for what it is.
@Suite("File reading")
struct FileReaderTests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gh-read-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func aRegularFile() throws {
        let path = directory + "/secret"
        try "s3cret\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try FileReader.text(path, limit: 100) == "s3cret\n")
        #expect(throws: FileReadError.tooLarge(path: path, limit: 3)) { try FileReader.read(path, limit: 3) }
    }

    @Test func aPipeThroughDevFd() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let secret = Array("from-a-pipe".utf8)
        #expect(write(ends[1], secret, secret.count) == secret.count)
        close(ends[1])
        defer { close(ends[0]) }
        #expect(try FileReader.read("/dev/fd/\(ends[0])", limit: 100) == secret)
    }

    @Test func aFIFOWithAWriter() throws {
        let path = directory + "/fifo"
        #expect(mkfifo(path, 0o600) == 0)
        let writer = Thread {
            let descriptor = open(path, O_WRONLY)
            _ = "fifo-secret".withCString { write(descriptor, $0, 11) }
            close(descriptor)
        }
        writer.start()
        #expect(try FileReader.text(path, limit: 100) == "fifo-secret")
    }

    @Test func aStreamLongerThanTheLimitIsCutOffNotBuffered() throws {
        #expect(throws: FileReadError.tooLarge(path: "/dev/zero", limit: 1 << 20)) { try FileReader.read("/dev/zero", limit: 1 << 20) }
        #expect(try FileReader.read("/dev/null", limit: 10).isEmpty)
    }

    @Test func whatIsWrongIsNamed() throws {
        #expect(throws: FileReadError.isADirectory(path: directory)) { try FileReader.read(directory, limit: 10) }
        #expect(throws: FileReadError.notFound(path: directory + "/missing")) { try FileReader.read(directory + "/missing", limit: 10) }
        #expect(FileReadError.isADirectory(path: "/x").description == "cannot read /x: it is a directory, not a file")
        #expect(FileReadError.permissionDenied(path: "/x").reason.hasPrefix("permission denied"))
        let invalid = directory + "/latin1"
        #expect(FileManager.default.createFile(atPath: invalid, contents: Data([0x63, 0x61, 0x66, 0xE9])))
        #expect(throws: FileReadError.failed(path: invalid, detail: "it is not UTF-8 text")) { try FileReader.text(invalid, limit: 10) }
    }

    @Test func permissionIsReportedAsSuch() throws {
        guard getuid() != 0 else {
            // Root reads any file; the helper-as-nobody case is covered by the daemon tests' uid handling.
            print("SKIPPED permissionIsReportedAsSuch: root bypasses file permissions")
            return
        }
        let path = directory + "/private"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8), attributes: [.posixPermissions: 0o000]))
        #expect(throws: FileReadError.permissionDenied(path: path)) { try FileReader.read(path, limit: 10) }
    }
}
