import AgenticCore
import Foundation
import PostgresNIO
import Synchronization

/// A write statement that can join others in one statement: it binds its values into a shared
/// list, and its text can take its place after theirs (see `Together`).
protocol ComposableWrite: PostgresPreparedStatement where Row == () {
    /// The `WITH` steps before the final statement (none for a plain write).
    static var steps: [String] { get }
    /// The statement after the steps.
    static var final: String { get }
    /// How many values it binds: its placeholders are `$1` up to this.
    static var parameters: Int { get }

    func bind(into bindings: inout PostgresBindings) throws
}

extension ComposableWrite {
    static var steps: [String] { [] }
    static var final: String { sql }
    static var parameters: Int { StatementText.highestPlaceholder(in: sql) }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        try bind(into: &bindings)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws {}
}

/// Two writes in one statement: `First`'s as a data-modifying `WITH` step, then `Next`, its
/// placeholders moved past `First`'s. Nested to the left (`Together<Together<A, B>, C>`), so any
/// number of writes leave in one round trip — and each combination is a type of its own, so it is
/// prepared once per connection like any other statement.
///
/// All parts run on one snapshot and none sees another's rows: `HeldWrites` only puts together
/// writes that touch different rows.
struct Together<First: ComposableWrite, Next: ComposableWrite>: ComposableWrite {
    let first: First
    let next: Next

    // `Next` is a single write: `HeldWrites` composes to the left.
    static var steps: [String] { First.steps + ["w\(First.steps.count) AS (\(First.final))"] }
    static var final: String { StatementText.shifted(Next.final, by: First.parameters) }
    static var parameters: Int { First.parameters + Next.parameters }

    static var sql: String {
        StatementText.cached(Self.self) { "WITH " + steps.joined(separator: ", ") + " " + final }
    }

    static var name: String {
        StatementText.cached(Self.self, .name) { "together_" + StatementText.digest(First.name + "+" + Next.name) }
    }

    func bind(into bindings: inout PostgresBindings) throws {
        try first.bind(into: &bindings)
        try next.bind(into: &bindings)
    }
}

/// What rows a held write changes: enough to tell whether two writes may share a statement.
enum WrittenRows: Sendable, Equatable {
    /// One row of `table`, by id.
    case row(table: String, id: UUID)
    /// The tasks that depend on a task (one fewer unmet dependency each).
    case dependentsOf(UUID)
    /// New events.
    case events

    /// Whether both could change one row (a statement may change a row only once).
    func overlaps(_ other: WrittenRows) -> Bool {
        switch (self, other) {
        case (.events, _), (_, .events):
            return false
        case (.row(let t1, let id1), .row(let t2, let id2)):
            return t1 == t2 && id1 == id2
        case (.dependentsOf, .dependentsOf):
            return true
        case (.row(let table, let id), .dependentsOf(let completed)), (.dependentsOf(let completed), .row(let table, let id)):
            // A task never depends on itself; any other task might depend on `completed`.
            return table == "tasks" && id != completed
        }
    }
}

/// The writes a transaction holds back until it must send them: before its next read, before a
/// write that would touch the same rows, and at its end. Then they leave in one statement
/// (`Together`): a change and its events, a completion and its dependents, in one round trip.
final class HeldWrites: Sendable {
    private let held = Mutex<[(statement: any ComposableWrite, rows: WrittenRows)]>([])
    /// At most this many go together (a bulk import still sends statements of a sensible size).
    static let limit = 8

    /// Holds `statement`, unless it overlaps a held write or too many are held: then what is held
    /// must go first (and is returned to be sent now).
    func hold(_ statement: any ComposableWrite, rows: WrittenRows) -> (any ComposableWrite)? {
        held.withLock { held in
            var ready: (any ComposableWrite)?
            if held.count >= Self.limit || held.contains(where: { $0.rows.overlaps(rows) }) {
                ready = Self.combine(held.map(\.statement))
                held.removeAll()
            }
            held.append((statement, rows))
            return ready
        }
    }

    /// Everything held, as one statement (nil when nothing is); nothing is held afterwards.
    func take() -> (any ComposableWrite)? {
        held.withLock { held in
            defer { held.removeAll() }
            return Self.combine(held.map(\.statement))
        }
    }

    /// Forgets what is held (the transaction is rolling back).
    func discard() {
        held.withLock { $0.removeAll() }
    }

    static func combine(_ statements: [any ComposableWrite]) -> (any ComposableWrite)? {
        guard var combined = statements.first else { return nil }
        for next in statements.dropFirst() { combined = together(combined, next) }
        return combined
    }

    private static func together<A: ComposableWrite, B: ComposableWrite>(_ a: A, _ b: B) -> any ComposableWrite {
        Together(first: a, next: b)
    }
}

/// The text of generic statements, worked out once per type (postgres-nio reads a statement's
/// `sql` and `name` at every execution).
enum StatementText {
    /// Which text of a statement type.
    enum Part: Hashable {
        case sql, name
    }

    private struct Key: Hashable {
        let type: ObjectIdentifier
        let part: Part
    }

    private static let texts = Mutex<[Key: String]>([:])

    static func cached(_ type: Any.Type, _ part: Part = .sql, _ make: () -> String) -> String {
        let key = Key(type: ObjectIdentifier(type), part: part)
        if let text = texts.withLock({ $0[key] }) { return text }
        let text = make()
        texts.withLock { $0[key] = text }
        return text
    }

    /// `sql` with every `$n` as `$(n + offset)`.
    static func shifted(_ sql: String, by offset: Int) -> String {
        guard offset > 0 else { return sql }
        var result = ""
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            result.append(character)
            index = sql.index(after: index)
            guard character == "$" else { continue }
            let digits = sql[index...].prefix { $0.isASCII && $0.isNumber }
            if let number = Int(digits) {
                result += String(number + offset)
                index = digits.endIndex
            }
        }
        return result
    }

    static func highestPlaceholder(in sql: String) -> Int {
        var highest = 0
        var index = sql.startIndex
        while let dollar = sql[index...].firstIndex(of: "$") {
            let digits = sql[sql.index(after: dollar)...].prefix { $0.isASCII && $0.isNumber }
            highest = max(highest, Int(digits) ?? 0)
            index = digits.endIndex
        }
        return highest
    }

    /// A short, stable name for a long one (FNV-1a, 64 bits).
    static func digest(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
