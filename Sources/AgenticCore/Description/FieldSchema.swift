/// What the OpenAPI document must say about a field: its JSON type and the limits the server
/// enforces. A test holds `openapi.yaml` to these, so the document cannot drift from the code.
public indirect enum FieldSchema: Sendable, Equatable {
    /// A string; `format` is `uuid` or `date-time` where the server parses one.
    case string(minLength: Int?, maxLength: Int?, format: String?)
    /// A string from a closed list.
    case enumeration([String])
    case integer(minimum: Int64?, maximum: Int64?)
    case number(minimum: Double?, maximum: Double?)
    case boolean
    /// A free-form JSON object.
    case object
    case array(of: FieldSchema, maxItems: Int?)
    /// An object described elsewhere (`#/components/schemas/<name>`).
    case reference(String)
    /// The value may also be `null`.
    case nullable(FieldSchema)
    /// Any one of these.
    case oneOf([FieldSchema])
}
