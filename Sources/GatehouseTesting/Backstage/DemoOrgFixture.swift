/// The sandbox's own extra Backstage entities: a small org whose ownership is worth exploring,
/// with the Looker and Dataproc annotations the demo and the tests rely on.
///
/// `group:default/platform` ⊃ `group:default/data-eng` ⊃ `group:default/team-a` and `team-b`;
/// alice is in team-a, bob in team-b. Dashboards 12 and 34 belong to team-a's components, 56 to
/// team-b's; `analytics-pipeline` is the production Dataproc workload.
public enum DemoOrgFixture {
    /// The entities as multi-document YAML, in Backstage's own format.
    public static let yaml = """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: platform
          description: Platform engineering
        spec:
          type: department
          profile:
            displayName: Platform
          children: [data-eng]
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: data-eng
          description: Data engineering
        spec:
          type: team
          parent: platform
          children: [team-a, team-b]
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: team-b
          description: Team B
        spec:
          type: team
          parent: data-eng
          children: []
        ---
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata:
          name: alice
        spec:
          profile:
            displayName: Alice
            email: alice@example.com
          memberOf: [team-a]
        ---
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata:
          name: bob
        spec:
          profile:
            displayName: Bob
            email: bob@example.com
          memberOf: [team-b]
        ---
        apiVersion: backstage.io/v1alpha1
        kind: System
        metadata:
          name: analytics
          description: Analytics dashboards and batch jobs
          annotations:
            looker.com/dashboard-ids: "12,34"
        spec:
          owner: team-a
          domain: artists
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: analytics-pipeline
          description: Nightly Spark aggregation of artist engagement
          annotations:
            looker.com/dashboard-ids: "12"
            dataproc.googleapis.com/project: demo-project
            dataproc.googleapis.com/region: europe-west1
            dataproc.googleapis.com/cluster: analytics-cluster
        spec:
          type: service
          lifecycle: production
          owner: team-a
          system: analytics
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: engagement-reports
          description: Weekly engagement reports
          annotations:
            looker.com/dashboard-ids: "34"
            dataproc.googleapis.com/project: demo-project
            dataproc.googleapis.com/region: europe-west1
            dataproc.googleapis.com/cluster: reports-cluster
        spec:
          type: service
          lifecycle: experimental
          owner: team-a
          system: analytics
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: billing-etl
          description: Billing extracts owned by team B
          annotations:
            looker.com/dashboard-ids: "56"
            dataproc.googleapis.com/project: billing-project
            dataproc.googleapis.com/region: us-central1
            dataproc.googleapis.com/cluster: billing-cluster
        spec:
          type: service
          lifecycle: experimental
          owner: team-b
        """
}
