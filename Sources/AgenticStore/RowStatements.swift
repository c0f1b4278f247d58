import AgenticCore

/// The plain statements of one described type with a table — select its columns, insert a row,
/// update a row — generated from its description with a store's placeholder spelling (`?1` or
/// `$1`). Only names from the description and placeholders go into the text; values are always bound.
struct RowStatements<Object: StoredObject>: Sendable {
    let table: String
    let idColumn: String
    /// `agent_id, tenant, did, …`: every stored field, in the description's order, then each derived
    /// one as its expression (`(SELECT …) AS usage`).
    let columns: String
    /// The same, each as `t.<column>`: for statements that join the table as `t`.
    let columnsOfT: String
    /// Binds every stored field in order (then `extraInsertColumns`, bound by the caller).
    let insert: String
    /// Binds the fields that may change (all but the key), then the tenant and the id; also sets
    /// `alsoSetOnUpdate`, fixed assignments of columns only the store keeps (`claim = NULL`).
    let update: String
    let changeable: [ResourceField<Object>]
    /// Binds the id, then the tenant.
    let selectByID: String
    /// Binds the tenant, then the id.
    let delete: String

    /// - Parameter jsonObject: the store's function that builds a JSON object from name, value pairs.
    init(placeholder: (Int) -> String, jsonObject: String, extraInsertColumns: [String] = [], alsoSetOnUpdate: [String] = []) {
        let description = Object.fields
        guard let table = description.table else { preconditionFailure("\(Object.self) has no table") }
        self.table = table
        idColumn = description.idName
        let derived = description.derivedColumns.map {
            SQLDomain.derived($0.derived!, table: table, idColumn: description.idName, jsonObject: jsonObject) + " AS " + $0.name
        }
        columns = ([description.columnList] + derived).joined(separator: ", ")
        columnsOfT = description.columnList(of: "t")
        let stored = description.columns
        insert = InsertStatement.text(into: table, stored.map(\.name) + extraInsertColumns, placeholder: placeholder)
        let idColumn = idColumn
        changeable = stored.filter { $0.name != idColumn && $0.name != "tenant" }
        let assignments = changeable.enumerated().map { "\($1.name) = \(placeholder($0 + 1))" } + alsoSetOnUpdate
        selectByID = "SELECT \(columns) FROM \(table) WHERE \(idColumn) = \(placeholder(1)) AND tenant = \(placeholder(2))"
        delete = "DELETE FROM \(table) WHERE tenant = \(placeholder(1)) AND \(idColumn) = \(placeholder(2))"
        update = """
            UPDATE \(table) SET \(assignments.joined(separator: ", ")) \
            WHERE tenant = \(placeholder(changeable.count + 1)) AND \(idColumn) = \(placeholder(changeable.count + 2))
            """
    }

    func insertValues(_ object: Object) -> [BoundValue] { Object.fields.boundColumns(of: object) }

    func updateValues(_ object: Object) -> [BoundValue] {
        changeable.map { BoundValue($0, of: object) }
            + [BoundValue(name: "tenant", value: .text(object.tenant), type: .text), BoundValue(name: idColumn, value: .uuid(object.id), type: .uuid)]
    }
}

/// The text of an insert, for `RowStatements` and for an import's rows.
enum InsertStatement {
    /// `INSERT INTO table (names) VALUES (placeholders)`, a placeholder per name, in order.
    static func text(into table: String, _ names: [String], placeholder: (Int) -> String) -> String {
        "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\((1...names.count).map(placeholder).joined(separator: ", ")))"
    }
}

extension ResourceDescription {
    /// Every stored field of `object`, in column order: the values of an insert.
    func boundColumns(of object: Object) -> [BoundValue] { columns.map { BoundValue($0, of: object) } }
}

/// A value for one placeholder, with the column it goes to (PostgreSQL binds `integer` columns as
/// 32-bit values).
struct BoundValue: Sendable {
    let name: String
    let value: StoredValue
    let type: ColumnType

    init(name: String, value: StoredValue, type: ColumnType) {
        self.name = name
        self.value = value
        self.type = type
    }

    init<Object>(_ field: ResourceField<Object>, of object: Object) {
        self.init(name: field.name, value: field.stored(object), type: field.column ?? .text)
    }
}
