import Foundation

/// Reading the JSON documents the database's view functions build into the store's typed values.
enum StoredJSON {
    /// Decodes `text`; a document this build cannot read is `.unexpected`, named by `context` (never by content).
    static func decode<Value: Decodable>(_ type: Value.Type, from text: String, context: String) throws(StoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(code: .unexpected, context: context)
        }
    }
}
