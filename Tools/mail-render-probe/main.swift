// How long rendering and encoding decision emails takes, without I/O: N messages, seconds printed per step.
//   mail-render-probe N
import Foundation
import KYCDomain
import KYCMail

let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
let templates = EmailTemplates.builtIn
let from = Mailbox(displayName: "KYC Review", address: EmailAddress("kyc@exchange.example")!)
let clock = ContinuousClock()
var contents: [EmailContent] = []
contents.reserveCapacity(count)
let rendering = clock.measure {
    for index in 0..<count {
        let notice = DecisionNotice(
            applicationID: Int64(index), outcome: .denied(.documentExpired, .attemptsRemaining(9)), locale: "en",
            firstName: "Ada"
        )
        contents.append(templates.render(notice))
    }
}
var bytes = 0
let encoding = clock.measure {
    for (index, content) in contents.enumerated() {
        let message = MailMessage(
            from: from, to: [Mailbox(displayName: "Ada Lovelace", address: EmailAddress("bench\(index)@example.com")!)],
            subject: content.subject, messageID: "<kyc.\(index)@kyc-review>", date: Date(),
            extraHeaders: [("Auto-Submitted", "auto-generated"), ("X-KYC-Application", String(index))],
            text: content.text, html: content.html
        )
        bytes += MessageEncoder.encode(message).count
    }
}
func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
print("render \(String(format: "%.3f", seconds(rendering))) s, encode \(String(format: "%.3f", seconds(encoding))) s for \(count) (\(bytes / count) bytes each)")
