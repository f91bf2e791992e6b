import Crypto
import Foundation
import GatehouseIdentity
import Testing

@Suite("Sealing key source")
struct SealingKeySourceTests {
    /// A key passed on a descriptor can be read once; `pinned` keeps it for every later component.
    @Test func aDescriptorKeyIsReadOnceAndPinned() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() }
        _ = text.withCString { write(fds[1], $0, strlen($0)) }
        close(fds[1])
        let pinned = try SealingKeySource.fileDescriptor(fds[0]).pinned()
        guard case .base64 = pinned else {
            Issue.record("a descriptor source must be pinned to the key itself")
            return
        }
        let first = try pinned.load()
        let second = try pinned.load()
        #expect(first == key && second == key)
        // The descriptor itself is spent: reading it again cannot give the key.
        #expect((try? SealingKeySource.fileDescriptor(fds[0]).load()) != key)
        #expect(SealingKeySource.file("/x") == (try SealingKeySource.file("/x").pinned()))
    }
}
