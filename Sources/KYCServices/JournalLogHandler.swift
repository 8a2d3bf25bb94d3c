import Foundation
public import Logging

/// Log lines for journald and `docker logs` alike: the level, a constant message, then `key=value`
/// metadata, one line each on stderr. No timestamp: the journal adds its own.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        var line = "\(event.level) \(event.message)"
        for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
        FileHandle.standardError.write(Data((Self.oneLine(line) + "\n").utf8))
    }

    /// Control characters (a newline in an error's text, say) would split or forge journal entries.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? " " : $0 }))
    }
}
