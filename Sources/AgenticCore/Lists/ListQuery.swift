import Foundation

/// A page request: newest first, resuming after `cursor`, narrowed by filters.
public struct ListQuery: Sendable, Equatable {
    public var limit: Int
    public var cursor: Cursor?
    public var status: String?
    public var agentID: UUID?
    public var agentType: String?
    public var goalID: UUID?
    public var planID: UUID?
    /// Only items whose name (a goal's `goal_text`) starts with this, compared exactly.
    public var namePrefix: String?

    public init(
        limit: Int = Limits.defaultPageSize, cursor: Cursor? = nil, status: String? = nil, agentID: UUID? = nil,
        agentType: String? = nil, goalID: UUID? = nil, planID: UUID? = nil
    ) {
        self.limit = limit
        self.cursor = cursor
        self.status = status
        self.agentID = agentID
        self.agentType = agentType
        self.goalID = goalID
        self.planID = planID
    }

    /// Which query parameters each collection accepts as filters.
    public static func filters(for kind: ResourceKind) -> [String] {
        switch kind {
        case .agent: return ["status", "agent_type", "name"]
        case .goal: return ["status", "agent_id", "name"]
        case .plan: return ["status", "agent_id", "goal_id", "name"]
        case .task: return ["status", "agent_id", "plan_id"]
        case .schedule: return []
        }
    }

    /// Parses query parameters for `kind`, naming every bad or unknown one.
    public static func parse(_ parameters: [(String, String)], for kind: ResourceKind) throws(AgenticError) -> ListQuery {
        var query = ListQuery()
        var errors: [FieldError] = []
        let allowed = Set(filters(for: kind) + ["limit", "cursor"])
        for (name, value) in parameters {
            guard allowed.contains(name) else {
                errors.append(FieldError(field: name, message: "is not a filter of \(kind.plural); use one of: \(allowed.sorted().joined(separator: ", "))"))
                continue
            }
            // An empty status is any status: what the seed's client sends when it filters by none.
            if value.isEmpty, name == "status" { continue }
            switch name {
            case "limit":
                if let n = Int(value), (1...Limits.maxPageSize).contains(n) {
                    query.limit = n
                } else {
                    errors.append(FieldError(field: "limit", message: "must be an integer between 1 and \(Limits.maxPageSize)"))
                }
            case "cursor":
                if let cursor = Cursor(encoded: value) { query.cursor = cursor } else {
                    errors.append(FieldError(field: "cursor", message: "is not a cursor returned by this API"))
                }
            case "status":
                if Self.isStatus(value, of: kind) { query.status = value } else {
                    errors.append(FieldError(field: "status", message: "must be one of: " + statuses(of: kind).joined(separator: ", ")))
                }
            case "name":
                switch Convert.string(min: 1, max: maxNamePrefix)(.string(value)) {
                case .success(let prefix): query.namePrefix = prefix
                case .failure(let problem): errors.append(FieldError(field: "name", message: problem.message))
                }
            case "agent_type":
                if Convert.isIdentifier(value) { query.agentType = value } else {
                    errors.append(FieldError(field: "agent_type", message: "must be an identifier"))
                }
            default:
                guard let id = UUID(uuidString: value) else {
                    errors.append(FieldError(field: name, message: "must be a UUID"))
                    continue
                }
                switch name {
                case "agent_id": query.agentID = id
                case "goal_id": query.goalID = id
                default: query.planID = id
                }
            }
        }
        if !errors.isEmpty { throw AgenticError.validation(errors) }
        return query
    }

    /// The longest `name` prefix searched: the name indexes hold this much of each name (a goal's
    /// text may be far longer than an index entry can be).
    public static let maxNamePrefix = Limits.maxNameLength

    /// The least string greater than every string that starts with `prefix`, in code point order
    /// (which is UTF-8 byte order, and so the order of the stores' binary collations): the last
    /// scalar that can grow, grown by one. Nil when none can (then nothing bounds the range above).
    public static func upperBound(ofPrefix prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if (0xD800...0xDFFF).contains(next) { next = 0xE000 }
            if let grown = Unicode.Scalar(next) {
                scalars.append(grown)
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars)
                return text
            }
        }
        return nil
    }

    static func statuses(of kind: ResourceKind) -> [String] {
        switch kind {
        case .agent: return AgentStatus.allCases.map(\.rawValue)
        case .goal: return GoalStatus.allCases.map(\.rawValue)
        case .plan: return PlanStatus.allCases.map(\.rawValue)
        case .task: return TaskStatus.allCases.map(\.rawValue)
        case .schedule: return []
        }
    }

    static func isStatus(_ value: String, of kind: ResourceKind) -> Bool { statuses(of: kind).contains(value) }
}

/// A position in a newest-first listing: the last item's creation time and id.
///
/// Spelled `<microseconds since 1970>_<id as 32 hex digits>` — URL-safe, and exactly what the
/// OpenAPI document's pattern says (`Cursor.pattern`), so a generated cursor is either one this
/// form describes or refused. Clients treat it as opaque.
public struct Cursor: Sendable, Equatable {
    public var createdAt: Timestamp
    public var id: UUID

    /// The form every cursor has (the document's pattern for the `cursor` parameter).
    public static let pattern = "^-?[0-9]{1,18}_[0-9a-f]{32}$"

    public init(createdAt: Timestamp, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    public var encoded: String {
        "\(createdAt.microseconds)_" + id.lowercased.replacingOccurrences(of: "-", with: "")
    }

    public init?(encoded: String) {
        let parts = encoded.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let time = parts.first, let hex = parts.last else { return nil }
        let digits = time.hasPrefix("-") ? time.dropFirst() : time[...]
        guard (1...18).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let micros = Int64(time), hex.utf8.count == 32,
            hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        let h = Array(hex)
        let dashed = String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-"
            + String(h[20..<32])
        guard let id = UUID(uuidString: dashed) else { return nil }
        // A cursor is opaque but not trusted: one whose time no resource can have is refused here,
        // before it can reach the stores' timestamp encoding.
        let createdAt = Timestamp(microseconds: micros)
        guard createdAt.isSupported else { return nil }
        self.createdAt = createdAt
        self.id = id
    }
}

/// One page of a listing.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: Cursor?

    public init(items: [Item], nextCursor: Cursor?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
