import Crypto
import Foundation
import GatehouseAudit
import GatehouseFleet
import Testing

@Suite struct CheckpointTests {
    @Test func signedCheckpointRoundTripsAndVerifiesOnlyWithTheHostKey() throws {
        let key = Curve25519.Signing.PrivateKey()
        let records = FleetFixtures.chain(3)
        let signed = try FleetFixtures.checkpoint("host-a", records, key: key)
        #expect(signed.text.hasPrefix("host-a\n3\n\(records[2].hash.base64EncodedString())\n\n\u{2014} host-a "))
        let parsed = try SignedCheckpoint(text: signed.text)
        #expect(parsed == signed)
        #expect(parsed.isSigned(byHost: key.publicKey))
        #expect(!parsed.isSigned(byHost: Curve25519.Signing.PrivateKey().publicKey))
        // Changing the body breaks the signature.
        let forged = signed.text.replacingOccurrences(of: "host-a\n3\n", with: "host-a\n4\n")
        #expect(!(try SignedCheckpoint(text: forged)).isSigned(byHost: key.publicKey))
    }

    @Test func keyIDFollowsTheSignedNoteSpec() throws {
        // The key id is the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key), computed here by hand.
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
        var input = Data("example.com/origin\n".utf8)
        input.append(0x01)
        input.append(key.publicKey.rawRepresentation)
        let expected = Data(SHA256.hash(data: input).prefix(4))
        #expect(NoteVerifierKey(name: "example.com/origin", publicKey: key.publicKey, algorithm: .ed25519).keyID == expected)
    }

    @Test func cosignatureCarriesItsTimeAndVerifiesOnlyWithTheWitnessKey() throws {
        let host = Curve25519.Signing.PrivateKey()
        let witness = Curve25519.Signing.PrivateKey()
        let signed = try FleetFixtures.checkpoint("host-a", FleetFixtures.chain(2), key: host)
        let when = Date(timeIntervalSince1970: 1_796_000_000)
        let cosigned = try SignedCheckpoint(text: try signed.cosigned(by: witness, name: "witness", at: when).text)
        #expect(cosigned.note.signatures.count == 2)
        #expect(cosigned.isSigned(byHost: host.publicKey))
        #expect(cosigned.cosignatureTime(witness: witness.publicKey, name: "witness") == when)
        #expect(cosigned.cosignatureTime(witness: host.publicKey, name: "witness") == nil)
        #expect(signed.cosignatureTime(witness: witness.publicKey, name: "witness") == nil)
    }

    @Test func malformedNotesAreRefused() {
        for text in [
            "", "host\n1\n", "host\n1\nAAAA\n\n\u{2014} host AAAAAAAA\n",
            "host\nx\n\(Data(count: 32).base64EncodedString())\n\n\u{2014} h AAAAAAAA\n",
        ] {
            #expect(throws: FleetError.self) { try SignedCheckpoint(text: text) }
        }
    }
}

@Suite struct ChainExtensionTests {
    let key = Curve25519.Signing.PrivateKey()

    func rule(_ cosigned: [AuditRecord]?) -> ChainExtension {
        let head = cosigned.map { Checkpoint(origin: "host-a", size: $0.last?.seq ?? 0, head: $0.last?.hash ?? AuditRecord.genesisHash) }
        return ChainExtension(hostID: "host-a", hostKey: key.publicKey, cosigned: head)
    }

    func refusal(_ chain: ChainExtension, _ checkpoint: SignedCheckpoint, _ records: [AuditRecord]) -> ChainRefusal.Kind? {
        do throws(ChainRefusal) {
            _ = try chain.check(checkpoint, records: records)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func aChainFromGenesisAndItsContinuationAreAccepted() throws {
        let first = FleetFixtures.chain(5)
        let accepted = try rule(nil).check(try FleetFixtures.checkpoint("host-a", first, key: key), records: first)
        #expect(accepted.newRecords.map(\.seq) == [1, 2, 3, 4, 5])
        let second = FleetFixtures.chain(3, after: first.last)
        // Resending the last two already stored records along with new ones is accepted; they are reported as resent.
        let overlapping = Array(first.suffix(2)) + second
        let next = try rule(first).check(try FleetFixtures.checkpoint("host-a", second, key: key), records: overlapping)
        #expect(next.newRecords.map(\.seq) == [6, 7, 8])
        #expect(next.resent.map(\.seq) == [4, 5])
    }

    @Test func eachTamperingIsNamed() throws {
        let stored = FleetFixtures.chain(10)
        let rule = rule(stored)
        // Rollback: a smaller checkpoint than the cosigned one.
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", Array(stored.prefix(6)), key: key), []) == .rollback)
        // Rewrite and re-hash to the end: same size, other head.
        let rewritten = FleetFixtures.rewritten(stored, at: 3)
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", rewritten, key: key), rewritten) == .fork)
        // Rewritten history extended past the cosigned size: does not continue from the cosigned head.
        let extended = rewritten + FleetFixtures.chain(2, after: rewritten.last)
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", extended, key: key), Array(extended.suffix(2))) == .fork)
        // A record whose hash is not its own.
        var broken = FleetFixtures.chain(2, after: stored.last)
        broken[1].outcome = "error"
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", broken, key: key), broken) == .brokenChain)
        // Missing records between the cosigned size and the batch.
        let later = Array(FleetFixtures.chain(3, after: stored.last).suffix(2))
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", later, key: key), later) == .gap)
        // Another host's key, or another host's name.
        let next = FleetFixtures.chain(1, after: stored.last)
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-a", next, key: Curve25519.Signing.PrivateKey()), next) == .badSignature)
        #expect(refusal(rule, try FleetFixtures.checkpoint("host-b", next, key: key), next) == .wrongOrigin)
        // A checkpoint that claims more than the records show.
        let claimed = try SignedCheckpoint.sign(Checkpoint(origin: "host-a", size: 12, head: next[0].hash), hostKey: key)
        #expect(refusal(rule, claimed, next) == .checkpointMismatch)
    }
}
