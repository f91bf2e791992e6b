import Foundation
import GatehouseCore
import GatehouseDataproc
import Testing

@Suite("Cluster spec: templates, overrides, labels, lifetime")
struct ClusterSpecTests {
    static let owner = ClusterSpec.Owner(
        entity: "component:default/engagement-reports", entityName: "engagement-reports", group: "group:default/team-a",
        principal: "Alice.Smith@Example.com", project: "demo-project")
    static let lifetime = try! ClusterLifetime(idleDelete: 1800, autoDelete: 4 * 3600, maxAutoDelete: 12 * 3600)
    static let id = "gh-0190aabbccdd1122334455667788aabb"

    static func spec(_ overrides: JSONValue? = nil, template: ClusterTemplate = ClusterTemplate(name: "default")) throws -> ClusterSpec {
        try ClusterSpec(template: template, overrides: overrides, owner: owner, localID: id, lifetime: lifetime)
    }

    @Test func templateLinesParseAndADefaultIsAlwaysThere() throws {
        let templates = try ClusterTemplate.catalog(["big: workers=8 machine=n2-highmem-16 image=2.1-debian11", "gpu: master_machine=a2-highgpu-1g"])
        #expect(templates.keys.sorted() == ["big", "default", "gpu"])
        #expect(
            templates["big"]
                == ClusterTemplate(
                    name: "big", masterMachineType: "n2-highmem-16", workerMachineType: "n2-highmem-16", workers: 8, imageVersion: "2.1-debian11"))
        #expect(templates["gpu"]?.masterMachineType == "a2-highgpu-1g")
        #expect(templates["gpu"]?.workerMachineType == "n2-standard-4")
        #expect(try ClusterTemplate.catalog(["default: workers=3"])["default"]?.workers == 3)
    }

    @Test(arguments: ["no colon here", "Big: workers=2", "big: workers=many", "big: colour=red", "big: workers"])
    func badTemplateLinesNameTheProblem(_ line: String) {
        let error = #expect(throws: ClusterError.self) { try ClusterTemplate(line: line) }
        #expect(error?.description.contains("clusters.templates") == true, "\(String(describing: error))")
    }

    @Test func overridesMergeOverTheTemplateMemberByMember() throws {
        let spec = try Self.spec([
            "config": ["workerConfig": ["numInstances": 5], "softwareConfig": ["properties": ["spark:spark.executor.memory": "4g"]]]
        ])
        let config = try #require(spec.cluster["config"])
        #expect(config["workerConfig"]?["numInstances"] == 5)
        #expect(config["workerConfig"]?["machineTypeUri"] == "n2-standard-4", "the template's machine type stays")
        #expect(config["softwareConfig"]?["imageVersion"] == "2.2-debian12")
        #expect(config["softwareConfig"]?["properties"]?["spark:spark.executor.memory"] == "4g")
        #expect(config["masterConfig"]?["numInstances"] == 1)
        #expect(spec.cluster["projectId"] == "demo-project")
    }

    @Test func everyClusterGetsGatehouseLabelsAndALifecycle() throws {
        let spec = try Self.spec(["labels": ["cost-center": "analytics"]])
        #expect(
            spec.cluster["labels"] == [
                "cost-center": "analytics", "gatehouse-owner": "team-a", "gatehouse-entity": "component-default-engagement-reports",
                "gatehouse-principal": "alice-smith-example-com",
            ])
        #expect(spec.cluster["config"]?["lifecycleConfig"] == ["idleDeleteTtl": "1800s", "autoDeleteTtl": "14400s"])
        #expect(spec.autoDeleteSeconds == 14_400)
        #expect(spec.idleDeleteSeconds == 1800)
    }

    @Test func callersTTLsAreKeptWithinTheMaximum() throws {
        let shorter = try Self.spec(["config": ["lifecycleConfig": ["autoDeleteTtl": "3600s", "idleDeleteTtl": "600s"]]])
        #expect(shorter.cluster["config"]?["lifecycleConfig"] == ["idleDeleteTtl": "600s", "autoDeleteTtl": "3600s"])
        let error = #expect(throws: ClusterError.self) { try Self.spec(["config": ["lifecycleConfig": ["autoDeleteTtl": "86400s"]]]) }
        #expect(error?.description.contains("above the maximum of 12h") == true, "\(String(describing: error))")
    }

    static let invalid: [(JSONValue, String)] = [
        (["clusterName": "mine"], "cluster.clusterName is set by Gatehouse"),
        (["projectId": "other"], "cluster.projectId is set by Gatehouse"),
        (["labels": ["gatehouse-principal": "bob"]], "labels starting with gatehouse- are reserved"),
        (["config": ["workerConfig": ["numWorkers": 3]]], "cluster.config.workerConfig.numWorkers is not a field"),
        (["config": ["workerConfig": ["numInstances": "three"]]], "numInstances must be an integer"),
        (["config": ["workerConfig": ["numInstances": 1]]], "must be 0 (single node) or at least 2"),
        (["status": ["state": "RUNNING"]], "cluster.status is set by Dataproc"),
        (["config": ["lifecycleConfig": ["autoDeleteTime": "2030-01-01T00:00:00Z"]]], "autoDeleteTime is not accepted"),
        (["config": ["lifecycleConfig": ["idleDeleteTtl": "1h"]]], "idleDeleteTtl must be a duration in seconds"),
        (["config": ["lifecycleConfig": ["idleDeleteTtl": "60s"]]], "idleDeleteTtl must be between 5m and 14d"),
        ("not an object", "overrides must be a partial Cluster object"),
    ]

    @Test(arguments: invalid)
    func refusesWithAMessageNamingTheField(overrides: JSONValue, expected: String) {
        let error = #expect(throws: ClusterError.self) { try Self.spec(overrides) }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("alice@example.com", "alice-example-com"), ("Bob O'Neil", "bob-o-neil"), ("group:default/team-a", "group-default-team-a"),
        ("--édith__x--", "dith__x"), (String(repeating: "a", count: 80), String(repeating: "a", count: 63)),
    ])
    func labelValuesFollowDataprocRules(_ raw: String, _ expected: String) {
        let value = ClusterLabels.sanitize(raw)
        #expect(value == expected)
        #expect(value.range(of: #"^[a-z0-9_-]{0,63}$"#, options: .regularExpression) != nil)
    }

    @Test func namesFollowDataprocRulesAndStayApart() {
        let long = ClusterName.derive(entityName: "A_Very.Long-Entity-Name-That-Goes-On-And-On-Forever-", localID: Self.id)
        #expect(ClusterName.isValid(long), "\(long)")
        #expect(long.count <= ClusterName.maxLength)
        #expect(long.hasPrefix("gh-a-very-long-entity"))
        #expect(long.hasSuffix("-7788aabb"))
        #expect(ClusterName.derive(entityName: "engagement-reports", localID: Self.id) == "gh-engagement-reports-7788aabb")
        #expect(
            ClusterName.derive(entityName: "x", localID: "gh-0190aabbccdd112233445566778800ff")
                != ClusterName.derive(entityName: "x", localID: Self.id))
        #expect(ClusterName.isValid(ClusterName.derive(entityName: "___", localID: Self.id)))
    }

    @Test func durationsParseAsPeopleWriteThem() {
        #expect(ClusterDuration.seconds("2h") == 7200)
        #expect(ClusterDuration.seconds("1h30m") == 5400)
        #expect(ClusterDuration.seconds("90s") == 90)
        #expect(ClusterDuration.seconds("1d") == 86_400)
        #expect(ClusterDuration.seconds("2") == nil)
        #expect(ClusterDuration.seconds("h") == nil)
        #expect(ClusterDuration.seconds("0m") == nil)
        #expect(ClusterDuration.seconds(google: "3600s") == 3600)
        #expect(ClusterDuration.seconds(google: "1e300s") == nil)  // from an upstream: refused, not trapped on
        #expect(ClusterDuration.seconds("9223372036854775807d") == nil)
        #expect(ClusterDuration.describe(5400) == "1h30m")
    }

    @Test func extensionsStopAtTheMaximum() throws {
        #expect(try Self.lifetime.extended(4 * 3600, by: 2 * 3600) == 6 * 3600)
        #expect(try Self.lifetime.extended(4 * 3600, by: 8 * 3600) == 12 * 3600)
        let error = #expect(throws: ClusterError.self) { try Self.lifetime.extended(4 * 3600, by: 9 * 3600) }
        #expect(error?.description.contains("can be extended by at most 8h") == true, "\(String(describing: error))")
        #expect(throws: ClusterError.self) { try Self.lifetime.extended(3600, by: 0) }
    }

    @Test func lifetimeDefaultsMustFitTheMaximum() {
        #expect(throws: ClusterError.self) { try ClusterLifetime(idleDelete: 3600, autoDelete: 48 * 3600, maxAutoDelete: 24 * 3600) }
        #expect(throws: ClusterError.self) { try ClusterLifetime(idleDelete: 3600, autoDelete: 8 * 3600, maxAutoDelete: 60) }
        #expect(throws: ClusterError.self) { try ClusterLifetime(idleDelete: 10, autoDelete: 8 * 3600, maxAutoDelete: 24 * 3600) }
    }
}

@Suite("Cluster end of day")
struct ClusterEndOfDayTests {
    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    @Test func parsesATimeOfDay() {
        #expect(ClusterEndOfDay("19:00")?.minutes == 19 * 60)
        #expect(ClusterEndOfDay("07:45")?.minutes == 7 * 60 + 45)
        for bad in ["24:00", "19", "19:60", "7pm", "19:0", ""] { #expect(ClusterEndOfDay(bad) == nil, "\(bad)") }
    }

    @Test func nextIsLaterTodayOrTomorrow() throws {
        let endOfDay = try #require(ClusterEndOfDay("19:00"))
        let morning = Date(timeIntervalSince1970: 1_767_258_000)  // 2026-01-01 09:00 UTC
        #expect(endOfDay.next(after: morning, calendar: Self.utc) == morning.addingTimeInterval(10 * 3600))
        let evening = morning.addingTimeInterval(11 * 3600)  // 20:00
        #expect(endOfDay.next(after: evening, calendar: Self.utc) == morning.addingTimeInterval(34 * 3600))
    }
}
