import GatehouseCore
import GatehouseRPC
import Testing

/// The dispatcher holds params to the advertised schema: each rule, the field it names, and what it leaves alone.
struct ParamsValidationTests {
    static let schema: JSONValue = [
        "type": "object",
        "properties": [
            "limit": ["type": "integer", "minimum": 1, "maximum": 1000],
            "order": ["enum": ["asc", "desc"]],
            "ref": ["type": "string"],
            "scopes": ["type": "array", "items": ["type": "string"]],
        ],
        "required": ["ref"],
        "additionalProperties": false,
    ]

    func violation(_ params: JSONValue?) -> ParamsValidation.Violation? {
        ParamsValidation.violation(of: params, against: Self.schema)
    }

    @Test func fittingParamsPass() {
        #expect(violation(["ref": "a", "limit": 1000, "order": "desc", "scopes": ["x"]]) == nil)
        #expect(violation(["ref": "a", "limit": 5.0]) == nil, "a whole double is an integer in JSON")
    }

    @Test func eachRuleNamesTheField() {
        #expect(violation(["ref": "a", "limit": 5000])?.field == "params.limit")
        #expect(violation(["ref": "a", "limit": 5000])?.problem == "must be at most 1000")
        #expect(violation(["ref": "a", "limit": 0])?.problem == "must be at least 1")
        #expect(violation(["ref": "a", "limit": "5"])?.problem == "must be an integer")
        #expect(violation(["ref": "a", "limit": 1.5])?.problem == "must be an integer")
        #expect(violation(["ref": "a", "order": "up"])?.field == "params.order")
        #expect(violation(["ref": "a", "scopes": ["x", 3]])?.field == "params.scopes.1")
        #expect(violation(["limit": 5])?.field == "params.ref")
        #expect(violation(nil)?.problem == "is required", "absent params read as {}")
    }

    @Test func unknownMembersAreRefusedWithTheNearestName() throws {
        let typo = try #require(violation(["ref": "a", "limt": 5]))
        #expect(typo.field == "params.limt" && typo.problem.contains("did you mean limit?"))
        let stranger = try #require(violation(["ref": "a", "colour": "red"]))
        #expect(stranger.problem.contains("it takes limit, order, ref, scopes"))
        let error = typo.rpcError
        #expect(error.code == RPCErrorCode.invalidParams.rawValue && error.reason == "invalid_params" && error.data?["field"] == "params.limt")
    }

    @Test func openSchemasAndPositionalParamsAreLeftToTheHandler() {
        let open: JSONValue = ["type": "object", "properties": [:]]
        #expect(ParamsValidation.violation(of: ["anything": true], against: open) == nil)
        #expect(violation(["positional", 1]) == nil)
    }
}
