import Foundation

/// A tenant's own defaults (`GET|PATCH /api/v1/settings`): today the retry policy a task without
/// one of its own follows after a retryable failure or an expired lease. Read when the retry is
/// scheduled, so a change reaches tasks already waiting to fail.
public struct TenantSettings: DescribedObject, Equatable, JSONWritable {
    public var defaultRetryPolicy: RetryPolicy?
    /// When an admin last changed them; `nil` while they are the defaults.
    public var updatedAt: Timestamp?

    public init() {}

    public static let fields = ResourceDescription<TenantSettings>([
        .init("default_retry_policy", \.defaultRetryPolicy, .optional(.nested(RetryPolicy.self, schema: "RetryPolicy")), .always),
        .init("updated_at", \.updatedAt, .optional(.timestamp), .server),
    ])

    /// The members a PATCH may name.
    public static let patchable: Set<String> = ["default_retry_policy"]

    /// Applies a PATCH body to `current`: each member named replaces the current value (`null`
    /// clears it; a retry policy given takes its defaults for what it leaves out). Names every bad
    /// or unknown member; a body naming none is a 400.
    public static func patch(_ body: JSONValue, onto current: TenantSettings) throws(AgenticError) -> TenantSettings {
        var reader = ObjectReader(body, known: patchable, readOnly: ["updated_at"])
        var settings = current
        var errors: [FieldError] = []
        if let value = reader.object[JSONKey("default_retry_policy")] {
            settings.defaultRetryPolicy = value.isNull ? nil : RetryPolicy.fields.read(value, prefix: "default_retry_policy.", errors: &errors)
        }
        reader.append(errors)
        try reader.check()
        if reader.isEmpty { throw AgenticError(code: .noFields, status: 400, detail: "Name at least one setting to change: default_retry_policy") }
        return settings
    }
}
