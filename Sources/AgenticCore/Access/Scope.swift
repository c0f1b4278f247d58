/// What a key may do. Each scope includes the ones below it: admin ⊃ approve ⊃ write ⊃ read.
/// `approve` is a person's key: it may decide on tasks that wait for approval (never on one it
/// created or asked about), which a worker's `write` key may not.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case read, write, approve, admin

    private var rank: Int {
        switch self {
        case .read: return 0
        case .write: return 1
        case .approve: return 2
        case .admin: return 3
        }
    }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rank < rhs.rank }

    public func allows(_ needed: Scope) -> Bool { self >= needed }
}
