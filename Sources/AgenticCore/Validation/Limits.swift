/// The documented size limits of the API. Requests beyond them get a 413 or a 422 naming the field.
public enum Limits {
    /// Largest request body accepted (413 beyond).
    public static let maxBodyBytes = 1 << 20
    /// Deepest nesting of arrays and objects in a request body.
    public static let maxBodyDepth = 32
    /// Deepest nesting inside one free-form JSON field (`metadata`, `inputs`, …).
    public static let maxFieldDepth = 16
    /// Largest serialised size of one free-form JSON field.
    public static let maxFieldBytes = 256 * 1024
    /// Longest string anywhere inside free-form JSON, in UTF-8 bytes.
    public static let maxJSONStringBytes = 64 * 1024
    /// Most members of one object / items of one array inside free-form JSON.
    public static let maxJSONContainerCount = 1_000
    /// Longest object key inside free-form JSON, in UTF-8 bytes.
    public static let maxJSONKeyBytes = 256

    public static let maxNameLength = 200
    public static let maxIdentifierLength = 100
    public static let maxTextLength = 10_000
    public static let maxDIDLength = 255
    public static let maxListItems = 100
    /// Goal and task priorities: higher is claimed first.
    public static let priorities: ClosedRange<Int64> = 0...10
    /// Tasks a plan may bring in its create request.
    public static let maxPlanTasks = 500
    public static let maxListItemLength = 1_000

    public static let defaultPageSize = 50
    public static let maxPageSize = 200
}
