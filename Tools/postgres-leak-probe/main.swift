// Runs N statements through the libpq wrapper — successes, server errors, notifications — and exits, so
// that LeakSanitizer can count what was never freed (`make leakcheck`).
//
//   postgres-leak-probe N [--plant-leak]
//
// --plant-leak loses one allocation on purpose, to show that the checker does see a leak.

import Foundation
import KYCPostgres

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let conninfo = ProcessInfo.processInfo.environment["KYC_DATABASE_URL"]
if arguments.contains("--plant-leak") {
    var planted = malloc(4096)
    memset(planted!, 1, 4096)
    planted = nil
}

let connection = try await PostgresConnection.connect(conninfo)
let channel = ChannelName("kyc_leak_probe")!
try await connection.listen(channel)
var rows = 0
for index in 0..<count {
    let result = try await connection.query(
        "SELECT $1::bigint AS n, $2::text AS text, NULL::text AS nothing, now() AS at",
        [index, "row \(index) — ünïcödé"]
    )
    rows += result.count
    if index % 100 == 0 {
        // A server error and a notification every hundred statements: their paths free memory too.
        _ = try? await connection.query("SELECT 1 / $1::int", [0])
        try await connection.notify(channel, payload: String(index))
        _ = try await connection.waitForNotifications(timeout: .milliseconds(100))
    }
}
await connection.close()
print("\(count) statements, \(rows) rows")
