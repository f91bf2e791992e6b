import Foundation
import GatehouseCore
import Testing

@Suite("Canonical JSON and redaction")
struct JSONWriterTests {
    @Test func canonicalFormSortsKeysAndHasNoWhitespace() {
        let value: JSONValue = ["b": 1, "a": ["z": true, "y": nil], "c": [1.5, "x"]]
        #expect(value.canonicalString == #"{"a":{"y":null,"z":true},"b":1,"c":[1.5,"x"]}"#)
    }

    @Test(arguments: [JSONValue.null, true, false, 0, -7, .int(.max), .int(.min), "id-1", 2.5, [], [:]])
    func canonicalStringOfEveryKindMatchesTheWriter(value: JSONValue) {
        #expect(value.canonicalString == String(decoding: JSONWriter.bytes(value), as: UTF8.self))
    }

    @Test func escapesWhatJSONRequires() {
        let text: JSONValue = .string("quote\" back\\ nl\n tab\t bell\u{07} é/")
        #expect(text.canonicalString == #""quote\" back\\ nl\n tab\t bell\u0007 é/""#)
    }

    @Test func roundTripsThroughFoundation() throws {
        let value: JSONValue = ["id": 9_007_199_254_740_993, "pi": 3.25, "list": [nil, false, "ü"], "nested": ["k": ["v"]]]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: value.canonicalData())
        #expect(decoded == value)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).canonicalString == "[null,null]")
    }

    @Test func redactionReplacesSecretMembersAtAnyDepth() {
        let params: JSONValue = [
            "client_secret": "s3cret", "nested": ["Access-Token": "tok", "keep": "visible"], "list": [["refresh_token": "r"]],
        ]
        let redacted = Redaction.redact(params).canonicalString
        #expect(!redacted.contains("s3cret") && !redacted.contains("\"tok\"") && !redacted.contains("\"r\""))
        #expect(redacted.contains("visible"))
    }

    @Test func redactsFormBodiesHeadersAndFreeText() {
        #expect(Redaction.formEncoded("grant_type=x&client_secret=abc%20d&code=42") == "grant_type=x&client_secret=[REDACTED]&code=[REDACTED]")
        #expect(Redaction.header(name: "Authorization", value: "Bearer abc") == Redaction.placeholder)
        #expect(Redaction.header(name: "Accept", value: "json") == "json")
        #expect(Redaction.scrub("upstream said token=abcd1234 bad", secrets: ["abcd1234"]) == "upstream said token=[REDACTED] bad")
    }

    @Test func fingerprintsAreStableShortAndDoNotContainTheSecret() {
        let secret = "ya29.a0AfH6SMBx-very-secret"
        let print = Redaction.fingerprint(secret)
        #expect(print == Redaction.fingerprint(secret))
        #expect(print != Redaction.fingerprint(secret + "x"))
        #expect(print.hasPrefix("sha256:") && print.count == 23 && !print.contains("secret"))
    }
}
