/// The numbers of the Dataproc protobuf enums, for proto3 JSON's second enum encoding.
///
/// A discovery document lists an enum's names in declaration order but not their numbers, and
/// Google's REST clients send numbers (`$alt=json;enum-encoding=int`). Most enums are numbered in
/// declaration order (0, 1, 2, …); the ones below are not, so they are spelled out, keyed by
/// `Schema.property`. Numbers from the `google.cloud.dataproc.v1` protos as shipped in
/// `google-cloud-dataproc` 5.32 (names newer than those protos take no number here: send the name).
enum ProtoEnumNumbers {
    static let outOfOrder: [String: [String: Int64]] = [
        "AutotuningConfig.scenarios": ["SCENARIO_UNSPECIFIED": 0, "SCALING": 2, "BROADCAST_HASH_JOIN": 3, "MEMORY": 4, "NONE": 5, "AUTO": 6],
        "ClusterStatus.state": [
            "UNKNOWN": 0, "CREATING": 1, "RUNNING": 2, "ERROR": 3, "ERROR_DUE_TO_UPDATE": 9, "DELETING": 4, "UPDATING": 5, "STOPPING": 6,
            "STOPPED": 7, "STARTING": 8, "REPAIRING": 10,
        ],
        "JobStatus.state": [
            "STATE_UNSPECIFIED": 0, "PENDING": 1, "SETUP_DONE": 8, "RUNNING": 2, "CANCEL_PENDING": 3, "CANCEL_STARTED": 7, "CANCELLED": 4,
            "DONE": 5, "ERROR": 6, "ATTEMPT_FAILURE": 9,
        ],
        "NodeGroupOperationMetadata.operationType": ["NODE_GROUP_OPERATION_TYPE_UNSPECIFIED": 0, "CREATE": 1, "UPDATE": 2, "DELETE": 3, "RESIZE": 4],
        "SoftwareConfig.optionalComponents": [
            "COMPONENT_UNSPECIFIED": 0, "ANACONDA": 5, "DELTA": 20, "DOCKER": 13, "DRUID": 9, "FLINK": 14, "HBASE": 11, "HIVE_WEBHCAT": 3,
            "HUDI": 18, "ICEBERG": 19, "JUPYTER": 1, "PIG": 21, "PRESTO": 6, "TRINO": 17, "RANGER": 12, "SOLR": 10, "ZEPPELIN": 4,
            "ZOOKEEPER": 8, "JUPYTER_KERNEL_GATEWAY": 22,
        ],
    ]

    /// The name the number stands for among `names` (the discovery enum), or nil when none does.
    static func name(of number: Int64, among names: [String], key: String?) -> String? {
        if let key, let numbers = outOfOrder[key] {
            return names.first { numbers[$0] == number }
        }
        guard number >= 0, number < Int64(names.count) else { return nil }
        return names[Int(number)]
    }
}
