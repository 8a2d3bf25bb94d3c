import Foundation
import Mustache

/// The facts an applicant's decision email is written from. No date of birth, document number or score is
/// among them, so none can appear in an email.
public struct DecisionNotice: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case approved
        case denied(ReasonCode, RetryPolicy)
    }

    public var applicationID: Int64
    public var outcome: Outcome
    public var locale: String
    /// A reviewer's message for the applicant (never the internal note).
    public var applicantMessage: String?
    /// The name the email greets the applicant by.
    public var firstName: String?
    /// The attempt window of the policy the decision was made under: a denial states it ("attempts remaining
    /// in the current 24 hours"), so that it follows the policy (CONTRACT §11). An approval does not use it.
    public var attemptWindow: Duration
    /// The session window of that policy: a session_expired denial states it ("longer than the 15 minutes
    /// allowed"), so that it follows the policy (CONTRACT §11).
    public var sessionWindow: Duration
    /// The minimum age of that policy: an underage denial states it ("at least 18 years old").
    public var minimumAge: Int

    /// The attempt window a notice states unless told otherwise: the policy's default (24 hours).
    public static let defaultAttemptWindow = Policy().attemptWindow
    /// The session window a notice states unless told otherwise: the policy's default (15 minutes).
    public static let defaultSessionWindow = Policy().sessionWindow
    /// The minimum age a notice states unless told otherwise: the policy's default (18).
    public static let defaultMinimumAge = Policy().minimumAge

    /// A notice; the policy's figures default to the policy's defaults.
    public init(
        applicationID: Int64,
        outcome: Outcome,
        locale: String,
        applicantMessage: String? = nil,
        firstName: String? = nil,
        attemptWindow: Duration = DecisionNotice.defaultAttemptWindow,
        sessionWindow: Duration = DecisionNotice.defaultSessionWindow,
        minimumAge: Int = DecisionNotice.defaultMinimumAge
    ) {
        self.applicationID = applicationID
        self.outcome = outcome
        self.locale = locale
        self.applicantMessage = applicantMessage
        self.firstName = firstName
        self.attemptWindow = attemptWindow
        self.sessionWindow = sessionWindow
        self.minimumAge = minimumAge
    }
}

/// A rendered email: subject, plain text and HTML. The mail adapter encodes and sends it unchanged.
public struct EmailContent: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

/// Renders decision emails (CONTRACT §5) with the built-in templates.
public enum DecisionEmail {
    /// The locales with built-in templates.
    public static var locales: Set<String> { Set(EmailCatalog.byLocale.keys) }

    public static func render(_ notice: DecisionNotice) -> EmailContent {
        EmailTemplates.builtIn.render(notice)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// A template that does not compile, by name. Never carries applicant data: templates are the operator's.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var problem: String

    public var description: String { "template \(self.name): \(self.problem)" }
}

/// The decision email templates in force: the built-in ones (`EmailCatalog`), each replaceable by an
/// operator's own (`KYC_TEMPLATE_DIR/<locale>/<name>.mustache`) without a rebuild. Rendering is pure.
public struct EmailTemplates: Sendable {
    private let library: MustacheLibrary
    private let names: Set<String>
    /// The locales with at least one template.
    private let locales: Set<String>
    /// Each email shape compiled once: see `CompiledEmail`.
    private let cache = CompiledEmailCache()
    /// False when a template applies a transform (`{{ uppercased(first_name) }}`): a value could then come
    /// out other than substituted, so every email is rendered in full.
    private let compilable: Bool

    /// The built-in templates alone.
    public static let builtIn: EmailTemplates = try! EmailTemplates(overrides: [:])

    /// The built-in templates with `overrides` (name → Mustache source, names as in `EmailCatalog`) put
    /// over them; every template is compiled here, so a broken one is refused at start-up, by name.
    public init(overrides: [String: String]) throws(TemplateError) {
        var sources = EmailCatalog.templates
        for (name, source) in overrides { sources[name] = source }
        var library = MustacheLibrary()
        for (name, source) in sources {
            do {
                try library.register(source, named: name)
            } catch {
                throw TemplateError(name: name, problem: "does not compile: \(error)")
            }
        }
        self.library = library
        self.compilable = !sources.values.contains { source in
            source.split(separator: "{{").dropFirst().contains { tag in tag.prefix { $0 != "}" }.contains("(") }
        }
        self.names = Set(sources.keys)
        self.locales = Set(sources.keys.compactMap { name in name.firstIndex(of: "/").map { String(name[..<$0]) } })
    }

    /// The locale whose templates serve `locale`: the full tag, else its language, else English. Resolved once
    /// per email; each template still falls back to English on its own when the locale lacks it.
    func resolve(_ locale: String) -> String {
        let tag = String(locale.lowercased().map { $0 == "_" ? "-" : $0 })
        if self.locales.contains(tag) { return tag }
        let language = String(tag.prefix { $0 != "-" })
        return self.locales.contains(language) ? language : "en"
    }

    func render(_ template: String, in locale: String, _ context: [String: Any]) -> String {
        let name = "\(locale)/\(template)"
        return self.library.render(context, withTemplate: self.names.contains(name) ? name : "en/\(template)") ?? ""
    }

    public func render(_ notice: DecisionNotice) -> EmailContent {
        let locale = self.resolve(notice.locale)
        let values = Self.values(of: notice)
        guard self.compilable, values.allSatisfy({ CompiledEmail.canStandIn($0.value) }) else {
            return self.render(notice, locale: locale, values: values)
        }
        let shape = EmailShape(notice, locale: locale, valueNames: Set(values.keys))
        switch self.cache.entry(for: shape) {
        case .compiled(let compiled):
            return compiled.fill(values)
        case .direct:
            return self.render(notice, locale: locale, values: values)
        case nil:
            let full = self.render(notice, locale: locale, values: values)
            let compiled = CompiledEmail(self.render(notice, locale: locale, values: CompiledEmail.placeholders(for: values)))
            // A template that transforms a value (or uses it other than by substitution) cannot be compiled:
            // such a shape is rendered in full every time.
            self.cache.store(compiled.fill(values) == full ? .compiled(compiled) : .direct, for: shape)
            return full
        }
    }

    /// The values an email substitutes as they are, each of which may be any text: everything else in the
    /// context (outcome, reason, retry rule, plural category) decides the email's shape.
    static func values(of notice: DecisionNotice) -> [String: String] {
        var values = ["application_id": String(notice.applicationID)]
        if let name = notice.firstName, !name.isEmpty { values["first_name"] = name }
        if let message = notice.applicantMessage?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
            values["message"] = message
        }
        if case .denied(_, .after(let date)) = notice.outcome { values["retry_after"] = RetryTime.format(date) }
        return values
    }

    /// Renders the templates in full with `values` standing for the notice's own.
    func render(_ notice: DecisionNotice, locale: String, values: [String: String]) -> EmailContent {
        var context: [String: Any] = values
        let kind: String
        switch notice.outcome {
        case .approved:
            kind = "approval"
        case .denied(let reason, let retry):
            kind = "denial"
            let figures = self.policyFigures(of: notice, in: locale)
            context.merge(figures) { current, _ in current }
            context["reason"] = Self.clean(self.render("reason.\(reason.rawValue)", in: locale, figures))
            switch retry {
            case .final:
                context["final"] = true
            case .after:
                break
            case .attemptsRemaining(let count):
                context["attempts_remaining"] = count
                context.merge(Self.pluralFlags(PluralRule.category(count, language: Self.language(of: locale)))) { $1 }
            }
        }
        let subject = String(Self.clean(self.render("\(kind).subject", in: locale, context)).map { $0 == "\n" ? " " : $0 })
        let text = Self.clean(self.render("\(kind).text", in: locale, context)) + "\n"
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: "\n")) }
        let layout = self.names.contains("\(locale)/layout.html") ? "\(locale)/layout.html" : "layout.html"
        let html = self.library.render(["lang": locale, "subject": subject, "paragraphs": paragraphs], withTemplate: layout) ?? ""
        return EmailContent(subject: subject, text: text, html: html)
    }

    /// The policy's figures a denial states, as its templates (the reason's included) get them: the attempt
    /// window (`attemptWindow(_:in:)`), the session window and the minimum age.
    func policyFigures(of notice: DecisionNotice, in locale: String) -> [String: Any] {
        var figures = self.attemptWindow(notice.attemptWindow, in: locale)
        figures.merge(self.sessionWindow(notice.sessionWindow, in: locale)) { current, _ in current }
        figures.merge(self.minimumAge(notice.minimumAge, in: locale)) { current, _ in current }
        return figures
    }

    /// The session window as a denial's templates get it: always in whole minutes, rounded up (an email never
    /// states a shorter window than the policy's). `session_window` in words, written by the locale's
    /// `window.minutes` template; `session_window_minutes`, the count, for a language whose words around it take
    /// another case (Russian's genitive); `session_window_one`, the count takes the singular.
    func sessionWindow(_ window: Duration, in locale: String) -> [String: Any] {
        let minutes = StatedWindow.minutes(window)
        let (phrase, category) = self.windowPhrase(minutes, unit: "minutes", in: locale)
        return ["session_window": phrase, "session_window_minutes": minutes, "session_window_one": category == "one"]
    }

    /// The minimum age as a denial's templates get it: `minimum_age`, the number, and `minimum_age_one`, the
    /// number takes the singular ("1 year", Russian «1 года»).
    func minimumAge(_ age: Int, in locale: String) -> [String: Any] {
        let category = PluralRule.category(age, language: Self.language(of: locale))
        return ["minimum_age": age, "minimum_age_one": category == "one"]
    }

    /// The attempt window as a denial's templates get it: `attempt_window` in words, written by the locale's
    /// `window.hours` or `window.minutes` template with the count's plural form, and what the words around it
    /// agree with: `attempt_window_in_hours`, and `attempt_window_one` (the count takes the singular).
    func attemptWindow(_ window: Duration, in locale: String) -> [String: Any] {
        let stated = StatedWindow(window)
        let (phrase, category) = self.windowPhrase(stated.count, unit: stated.inHours ? "hours" : "minutes", in: locale)
        return ["attempt_window": phrase, "attempt_window_in_hours": stated.inHours, "attempt_window_one": category == "one"]
    }

    /// `count` hours or minutes (`unit`) in the locale's words (its `window.<unit>` template, given the count's
    /// plural flags), on one line, and the count's plural category.
    func windowPhrase(_ count: Int, unit: String, in locale: String) -> (phrase: String, category: String) {
        let category = PluralRule.category(count, language: Self.language(of: locale))
        var words = Self.pluralFlags(category)
        words["count"] = count
        let phrase = Self.clean(self.render("window.\(unit)", in: locale, words))
        return (String(phrase.map { $0 == "\n" ? " " : $0 }), category)
    }

    /// The flags a template chooses a plural form by: `one`, `few`, `many` and `other`, the category's true.
    static func pluralFlags(_ category: String) -> [String: Any] {
        Dictionary(uniqueKeysWithValues: ["one", "few", "many", "other"].map { ($0, (category == $0) as Any) })
    }

    /// The language of a resolved locale (`pt-br` → `pt`), whose plural rule applies.
    static func language(of locale: String) -> String {
        String(locale.prefix { $0 != "-" })
    }

    /// Trailing spaces off every line, at most one blank line in a row, no blank lines at the ends: the
    /// sections a template leaves empty leave no gaps.
    static func clean(_ text: String) -> String {
        var lines: [Substring] = []
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = raw
            while line.last == " " || line.last == "\t" { line = line.dropLast() }
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// How an email states an attempt window: a whole number of hours when the window is whole hours, else of
/// minutes, rounded up, so that an email never states a window shorter than the policy's (90 s is "2 minutes").
struct StatedWindow: Hashable, Sendable {
    var count: Int
    var inHours: Bool

    init(_ window: Duration) {
        let whole = Self.wholeSeconds(window)
        if whole % 3600 == 0 {
            self.count = Int(whole / 3600)
            self.inHours = true
        } else {
            self.count = Self.minutes(window)
            self.inHours = false
        }
    }

    /// A window in whole minutes, rounded up (at least 1): how an email states the session window.
    static func minutes(_ window: Duration) -> Int {
        let whole = Self.wholeSeconds(window)
        return Int(whole / 60 + (whole % 60 == 0 ? 0 : 1))
    }

    /// A window in whole seconds, rounded up, at least 1.
    static func wholeSeconds(_ window: Duration) -> Int64 {
        let (seconds, attoseconds) = window.components
        return seconds < 1 ? 1 : seconds + (attoseconds > 0 && seconds < .max ? 1 : 0)
    }
}

/// CLDR's plural categories for counts, for the languages with built-in templates (and `other` for the rest).
public enum PluralRule {
    public static func category(_ count: Int, language: String) -> String {
        switch language {
        case "ru", "uk":
            if count % 10 == 1 && count % 100 != 11 { return "one" }
            if (2...4).contains(count % 10) && !(12...14).contains(count % 100) { return "few" }
            return "many"
        case "fr", "pt":
            return count == 0 || count == 1 ? "one" : "other"
        case "zh", "ja", "ko", "tr":
            return "other"
        default:
            return count == 1 ? "one" : "other"
        }
    }
}
