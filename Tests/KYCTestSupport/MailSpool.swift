import Foundation

/// Reads what the mail sink stored for a recipient: the message bytes, as received.
public func receivedMessages(for recipient: String, waitingUpTo seconds: Double = 10) async throws -> [[UInt8]] {
    let spool = try TestServers.mailSpool()
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        var found: [[UInt8]] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        for name in names.sorted() where name.hasSuffix(".json") {
            guard let meta = FileManager.default.contents(atPath: spool + "/" + name),
                let object = try? JSONSerialization.jsonObject(with: meta) as? [String: Any],
                (object["rcpt_tos"] as? [String])?.contains(recipient) == true,
                let eml = FileManager.default.contents(atPath: spool + "/" + name.dropLast(5) + ".eml")
            else { continue }
            found.append(Array(eml))
        }
        if !found.isEmpty || Date() > deadline { return found }
        try await Task.sleep(for: .milliseconds(100))
    }
}


/// The client ports the mail sink saw for these recipients' messages: one per SMTP connection.
public func connectionsUsed(for recipients: [String]) throws -> Set<Int> {
    let spool = try TestServers.mailSpool()
    var ports: Set<Int> = []
    for name in try FileManager.default.contentsOfDirectory(atPath: spool) where name.hasSuffix(".json") {
        guard let data = FileManager.default.contents(atPath: spool + "/" + name),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let to = object["rcpt_tos"] as? [String], !Set(to).isDisjoint(with: recipients),
            let port = object["peer_port"] as? Int
        else { continue }
        ports.insert(port)
    }
    return ports
}
