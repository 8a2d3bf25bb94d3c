import Foundation
import Testing

@testable import KYCDomain

/// A denial states the session window and the minimum age of its policy (CONTRACT §11), as it does the attempt
/// window (`AttemptWindowEmailTests`): in the applicant's language, and with the defaults exactly as always.
@Suite struct PolicyFigureEmailTests {
    static let locales = ["en", "es", "fr", "de", "pt", "tr", "ru", "zh"]

    /// The text of a final denial for `reason` with these figures.
    static func reason(_ reason: ReasonCode, _ locale: String, session: Int = 900, age: Int = 18) -> String {
        let notice = DecisionNotice(
            applicationID: 1, outcome: .denied(reason, .final), locale: locale, sessionWindow: .seconds(session),
            minimumAge: age
        )
        return DecisionEmail.render(notice).text
    }

    /// session window (seconds) × locale → the session_expired reason; 900 s is today's text.
    static let sessionReasons: [(Int, String, String)] = [
        (900, "en", "took longer than the 15 minutes allowed"),
        (1_200, "en", "took longer than the 20 minutes allowed"),
        (60, "en", "took longer than the 1 minute allowed"),
        (61, "en", "took longer than the 2 minutes allowed"),
        (3_600, "en", "took longer than the 60 minutes allowed"),
        (900, "es", "llevó más de los 15 minutos permitidos"),
        (60, "es", "llevó más del 1 minuto permitido"),
        (1_200, "es", "llevó más de los 20 minutos permitidos"),
        (900, "fr", "a dépassé les 15 minutes autorisées"),
        (60, "fr", "a dépassé la 1 minute autorisée"),
        (1_200, "fr", "a dépassé les 20 minutes autorisées"),
        (900, "de", "dauerte länger als die erlaubten 15 Minuten"),
        (60, "de", "dauerte länger als die erlaubte 1 Minute"),
        (1_200, "de", "dauerte länger als die erlaubten 20 Minuten"),
        (900, "pt", "demorou mais do que os 15 minutos permitidos"),
        (60, "pt", "demorou mais do que o 1 minuto permitido"),
        (1_200, "pt-BR", "demorou mais do que os 20 minutos permitidos"),
        (900, "tr", "izin verilen 15 dakikadan uzun sürdü"),
        (60, "tr", "izin verilen 1 dakikadan uzun sürdü"),
        (900, "ru", "заняла больше отведённых 15 минут"),
        (60, "ru", "заняла больше отведённой 1 минуты"),
        (120, "ru", "заняла больше отведённых 2 минут"),
        (1_260, "ru", "заняла больше отведённой 21 минуты"),
        (900, "zh", "超过了允许的 15 分钟"),
        (1_200, "zh", "超过了允许的 20 分钟"),
    ]

    @Test(arguments: Self.sessionReasons)
    func theSessionExpiredReasonStatesThePolicysSessionWindow(seconds: Int, locale: String, phrase: String) {
        let text = Self.reason(.sessionExpired, locale, session: seconds)
        #expect(text.contains(phrase), "\(text)")
    }

    /// minimum age × locale → the underage reason; 18 is today's text.
    static let ageReasons: [(Int, String, String)] = [
        (18, "en", "you must be at least 18 years old"), (21, "en", "you must be at least 21 years old"),
        (1, "en", "you must be at least 1 year old"),
        (18, "es", "debes tener al menos 18 años"), (21, "es", "debes tener al menos 21 años"),
        (1, "es", "debes tener al menos 1 año"),
        (18, "fr", "vous devez avoir au moins 18 ans"), (21, "fr", "vous devez avoir au moins 21 ans"),
        (1, "fr", "vous devez avoir au moins 1 an"),
        (18, "de", "Sie müssen mindestens 18 Jahre alt sein"),
        (21, "de", "Sie müssen mindestens 21 Jahre alt sein"),
        (1, "de", "Sie müssen mindestens 1 Jahr alt sein"),
        (18, "pt", "tem de ter pelo menos 18 anos"), (21, "pt", "tem de ter pelo menos 21 anos"),
        (1, "pt", "tem de ter pelo menos 1 ano"),
        (18, "tr", "en az 18 yaşında olmalısınız"), (21, "tr", "en az 21 yaşında olmalısınız"),
        (18, "ru", "вам должно быть не меньше 18 лет"), (21, "ru", "вам должно быть не меньше 21 года"),
        (22, "ru", "вам должно быть не меньше 22 лет"), (25, "ru", "вам должно быть не меньше 25 лет"),
        (18, "zh", "您必须年满 18 周岁"), (21, "zh", "您必须年满 21 周岁"),
    ]

    @Test(arguments: Self.ageReasons)
    func theUnderageReasonStatesThePolicysMinimumAge(age: Int, locale: String, phrase: String) {
        let text = Self.reason(.underage, locale, age: age)
        #expect(text.contains(phrase), "\(text)")
    }

    /// With figures unlike the defaults, no built-in reason in any locale still states a default one.
    @Test(arguments: Self.locales)
    func noReasonRestatesADefaultFigure(locale: String) {
        for reason in ReasonCode.allCases {
            let notice = DecisionNotice(
                applicationID: 7, outcome: .denied(reason, .final), locale: locale, attemptWindow: .seconds(7_200),
                sessionWindow: .seconds(1_200), minimumAge: 21
            )
            let text = DecisionEmail.render(notice).text
            for figure in ["24", "15", "18"] { #expect(!text.contains(figure), "\(locale) \(reason): \(text)") }
        }
    }

    @Test(arguments: Self.locales)
    func withoutFiguresANoticeStatesThePolicysDefaults(locale: String) {
        for reason in [ReasonCode.sessionExpired, .underage] {
            let outcome = DecisionNotice.Outcome.denied(reason, .attemptsRemaining(3))
            let explicit = DecisionNotice(
                applicationID: 1, outcome: outcome, locale: locale, sessionWindow: .seconds(900), minimumAge: 18
            )
            let implicit = DecisionNotice(applicationID: 1, outcome: outcome, locale: locale)
            #expect(DecisionEmail.render(implicit) == DecisionEmail.render(explicit))
        }
    }

    /// The session window and the minimum age are part of an email's shape: a compiled shape never serves
    /// another's figures.
    @Test(arguments: ["en", "ru", "tr"])
    func noticesDifferingOnlyInAFigureGetEachTheirOwn(locale: String) throws {
        let templates = try EmailTemplates(overrides: [:])
        let notices = [(900, 18), (1_200, 18), (900, 21), (900, 18)].flatMap { session, age in
            [ReasonCode.sessionExpired, .underage].map { reason in
                DecisionNotice(
                    applicationID: 7, outcome: .denied(reason, .attemptsRemaining(2)), locale: locale,
                    firstName: "Ada", sessionWindow: .seconds(session), minimumAge: age
                )
            }
        }
        let emails = notices.map { templates.render($0) }
        for (notice, email) in zip(notices, emails) {
            let full = templates.render(
                notice, locale: templates.resolve(locale), values: EmailTemplates.values(of: notice)
            )
            #expect(email == full, "\(notice)")
        }
        // session_expired: 15 vs 20 minutes differ; underage: 18 vs 21 differ; the repeat is the first again.
        #expect(emails[0] != emails[2] && emails[1] != emails[5] && emails[0] == emails[6] && emails[1] == emails[7])
    }

    @Test func anOperatorsTemplatesGetTheFigures() throws {
        let templates = try EmailTemplates(overrides: [
            "it/reason.underage": "devi avere almeno {{minimum_age}} anni",
            "it/reason.session_expired": "più di {{{session_window}}} ({{session_window_minutes}})",
        ])
        func reason(_ code: ReasonCode) -> String {
            templates.render(.init(
                applicationID: 1, outcome: .denied(code, .final), locale: "it", sessionWindow: .seconds(600),
                minimumAge: 21
            )).text
        }
        #expect(reason(.underage).contains("devi avere almeno 21 anni"))
        #expect(reason(.sessionExpired).contains("più di 10 minutes (10)"), "a locale without window words: English")
    }

    @Test(arguments: [(900, 15), (901, 16), (60, 1), (1, 1), (3_600, 60), (86_400, 1_440)])
    func theSessionWindowIsStatedInWholeMinutesRoundedUp(seconds: Int, minutes: Int) {
        #expect(StatedWindow.minutes(.seconds(seconds)) == minutes)
    }
}
