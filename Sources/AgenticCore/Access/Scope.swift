/// What a key may do. Each scope includes the ones below it: admin ⊃ write ⊃ read.
public enum Scope: String, Sendable, CaseIterable, Comparable {
    case read, write, admin

    private var rank: Int {
        switch self {
        case .read: return 0
        case .write: return 1
        case .admin: return 2
        }
    }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rank < rhs.rank }

    public func allows(_ needed: Scope) -> Bool { self >= needed }
}
