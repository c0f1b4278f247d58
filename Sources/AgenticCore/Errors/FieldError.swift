/// One bad field of a request: `field` is a dotted path (`constraints.max_parallelism`, `depends_on[2]`).
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
