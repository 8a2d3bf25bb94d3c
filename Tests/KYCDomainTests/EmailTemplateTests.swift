import Foundation
import Testing

@testable import KYCDomain

@Suite struct EmailTemplateTests {
    static let retries: [RetryPolicy] = [.attemptsRemaining(1), .attemptsRemaining(3), .attemptsRemaining(9),
                                         .after(Date(timeIntervalSince1970: 1_795_687_770)), .final]

    static let attemptLimitReasons = [
        "en": "you have reached the limit of attempts allowed in 24 hours",
        "es": "has alcanzado el límite de intentos permitidos en 24 horas",
        "fr": "vous avez atteint le nombre maximal de tentatives sur 24 heures",
        "de": "Sie haben die Höchstzahl an Versuchen in 24 Stunden erreicht",
        "pt": "atingiu o limite de tentativas permitidas em 24 horas",
        "tr": "24 saatte izin verilen deneme sınırına ulaştınız",
        "ru": "вы исчерпали лимит попыток за 24 часа",
        "zh": "您已达到 24 小时内允许的尝试次数上限",
    ]

    /// The reasons whose templates state a figure of the policy, as they read with the default policy: today's
    /// words (the attempt window, the session window, the minimum age).
    static let policyFigureReasons: [ReasonCode: [String: String]] = [
        .attemptLimit: Self.attemptLimitReasons,
        .sessionExpired: [
            "en": "taking the photos of your document and your selfie took longer than the 15 minutes allowed",
            "es": "hacer las fotos de tu documento y tu selfie llevó más de los 15 minutos permitidos",
            "fr": "la prise des photos de votre document et de votre selfie a dépassé les 15 minutes autorisées",
            "de": "die Aufnahme Ihres Dokuments und Ihres Selfies dauerte länger als die erlaubten 15 Minuten",
            "pt": "tirar as fotos do seu documento e a selfie demorou mais do que os 15 minutos permitidos",
            "tr": "belgenizin ve özçekiminizin fotoğraflarını çekmek izin verilen 15 dakikadan uzun sürdü",
            "ru": "съёмка документа и селфи заняла больше отведённых 15 минут",
            "zh": "拍摄证件照片和自拍所用时间超过了允许的 15 分钟",
        ],
        .underage: [
            "en": "you must be at least 18 years old",
            "es": "debes tener al menos 18 años",
            "fr": "vous devez avoir au moins 18 ans",
            "de": "Sie müssen mindestens 18 Jahre alt sein",
            "pt": "tem de ter pelo menos 18 anos",
            "tr": "en az 18 yaşında olmalısınız",
            "ru": "вам должно быть не меньше 18 лет",
            "zh": "您必须年满 18 周岁",
        ],
    ]

    /// Every template renders for every reason in every locale, with every kind of retry.
    @Test(arguments: ["en", "es", "fr", "de", "pt", "tr", "ru", "zh"])
    func everyReasonRendersInEveryLocale(locale: String) {
        let approval = DecisionEmail.render(.init(applicationID: 42, outcome: .approved, locale: locale, firstName: "Zoë"))
        #expect(!approval.subject.isEmpty)
        #expect(approval.text.contains("42"))
        #expect(approval.text.contains("Zoë"))
        for reason in ReasonCode.allCases {
            // A template that states a figure of the policy: with the default policy, today's words.
            let phrase = Self.policyFigureReasons[reason]?[locale]
                ?? EmailCatalog.byLocale[locale]!["reason.\(reason.rawValue)"]!
            for retry in Self.retries {
                let content = DecisionEmail.render(.init(applicationID: 42, outcome: .denied(reason, retry), locale: locale))
                #expect(content.text.contains(phrase), "\(locale) \(reason)")
                #expect(!content.text.contains("{{") && !content.subject.contains("{{") && !content.html.contains("{{"))
                #expect(!content.text.contains("\n\n\n"), "no gaps from empty sections")
                #expect(content.html.contains("<html lang=\"\(locale)\">"))
                if case .after = retry { #expect(content.text.contains("2026-11-26 10:10 UTC"), "\(locale)") }
                if case .attemptsRemaining(let count) = retry { #expect(content.text.contains("\(count)"), "\(locale)") }
            }
        }
    }

    @Test func localesDifferAndFallBackToTheLanguageThenEnglish() {
        let german = DecisionEmail.render(.init(applicationID: 1, outcome: .approved, locale: "de"))
        #expect(german.subject == "Ihr Konto ist verifiziert")
        #expect(DecisionEmail.render(.init(applicationID: 1, outcome: .approved, locale: "de-AT")) == german)
        #expect(DecisionEmail.render(.init(applicationID: 1, outcome: .approved, locale: "pt_BR")).subject == "A sua conta está verificada")
        #expect(DecisionEmail.render(.init(applicationID: 1, outcome: .approved, locale: "xx")).subject == "Your account is verified")
    }

    @Test(arguments: [(1, "осталась 1 попытка"), (3, "осталось 3 попытки"), (5, "осталось 5 попыток"), (21, "осталась 21 попытка")])
    func russianUsesItsThreePluralForms(count: Int, expected: String) {
        let content = DecisionEmail.render(.init(applicationID: 1, outcome: .denied(.other, .attemptsRemaining(count)), locale: "ru"))
        #expect(content.text.contains(expected), "\(content.text)")
    }

    @Test func englishSaysOneAttemptAndNineAttempts() {
        let one = DecisionEmail.render(.init(applicationID: 1, outcome: .denied(.other, .attemptsRemaining(1)), locale: "en"))
        #expect(one.text.contains("you have 1 attempt remaining"))
        let nine = DecisionEmail.render(.init(applicationID: 1, outcome: .denied(.other, .attemptsRemaining(9)), locale: "en"))
        #expect(nine.text.contains("you have 9 attempts remaining"))
    }

    @Test func anOperatorsTemplateReplacesTheBuiltInOne() throws {
        let templates = try EmailTemplates(overrides: [
            "en/approval.subject": "Welcome aboard",
            "de/denial.text": "{{{reason}}} ({{application_id}})",
        ])
        #expect(templates.render(.init(applicationID: 7, outcome: .approved, locale: "en")).subject == "Welcome aboard")
        let denial = templates.render(.init(applicationID: 7, outcome: .denied(.documentExpired, .final), locale: "de"))
        #expect(denial.text == "Ihr Dokument ist abgelaufen (7)\n")
    }

    @Test func aBrokenTemplateIsRefusedByName() {
        #expect(throws: TemplateError.self) { try EmailTemplates(overrides: ["en/approval.text": "{{#open}} never closed"]) }
    }

    @Test func theHTMLPartEscapesWhatTheTextCarries() {
        let content = DecisionEmail.render(.init(
            applicationID: 1, outcome: .denied(.other, .final), locale: "en", applicantMessage: "<b>bold</b> & \"quoted\"",
            firstName: "<script>"
        ))
        #expect(content.text.contains("<b>bold</b>"), "plain text is not HTML-escaped")
        #expect(content.html.contains("&lt;b&gt;bold&lt;/b&gt; &amp;"))
        #expect(!content.html.contains("<script>"))
    }
}
