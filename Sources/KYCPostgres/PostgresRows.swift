/// The rows a statement returned, copied out of libpq's result before it was freed.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// The column names, in order.
    public let columns: [String]
    private let cells: [[String?]]
    /// The command tag's row count (`UPDATE 3` → 3), or the number of rows returned.
    public let affectedRows: Int

    init(columns: [String], cells: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { self.cells.count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(columns: self.columns, values: self.cells[position])
    }

    /// The only row, or an error when there is none or more than one.
    public func single() throws(PostgresError) -> PostgresRow {
        guard self.count == 1 else {
            throw PostgresError(code: .unexpectedResult, context: "expected one row, got \(self.count)")
        }
        return self[0]
    }
}

/// One row, in PostgreSQL's text format, decoded by column name.
public struct PostgresRow: Sendable {
    public let columns: [String]
    public let values: [String?]

    /// The raw text of a column, `nil` for SQL NULL.
    public func text(_ column: String) throws(PostgresError) -> String? {
        guard let index = self.columns.firstIndex(of: column) else {
            throw PostgresError(code: .decodingFailed, context: "no column \(column)")
        }
        return self.values[index]
    }

    /// Decodes a column that must not be NULL.
    public func decode<Value: PostgresDecodable>(
        _ column: String,
        as type: Value.Type = Value.self
    ) throws(PostgresError) -> Value {
        guard let value = try self.decodeIfPresent(column, as: type) else {
            throw PostgresError(code: .decodingFailed, context: "column \(column) is NULL")
        }
        return value
    }

    /// Decodes a column that may be NULL.
    public func decodeIfPresent<Value: PostgresDecodable>(
        _ column: String,
        as type: Value.Type = Value.self
    ) throws(PostgresError) -> Value? {
        guard let text = try self.text(column) else { return nil }
        guard let value = Value(postgresText: text) else {
            throw PostgresError(code: .decodingFailed, context: "column \(column) is not a \(Value.self)")
        }
        return value
    }
}
