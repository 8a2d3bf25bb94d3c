import Foundation
import Testing

@testable import KYCDomain

/// A denial states the attempt window of its policy (CONTRACT §11), in the applicant's language, and with the
/// default window exactly as it always has.
@Suite struct AttemptWindowEmailTests {
    static let day = 86_400, hour = 3_600

    /// window (seconds) × locale → the words for the window.
    static let phrases: [(Int, String, String)] = [
        (day, "en", "24 hours"), (hour, "en", "1 hour"), (2 * day, "en", "48 hours"), (5_400, "en", "90 minutes"),
        (60, "en", "1 minute"), (90, "en", "2 minutes"), (30 * day, "en", "720 hours"),
        (day, "es", "24 horas"), (hour, "es", "1 hora"), (5_400, "es", "90 minutos"), (60, "es", "1 minuto"),
        (day, "fr", "24 heures"), (hour, "fr", "1 heure"), (5_400, "fr", "90 minutes"), (60, "fr", "1 minute"),
        (day, "de", "24 Stunden"), (hour, "de", "1 Stunde"), (5_400, "de", "90 Minuten"), (60, "de", "1 Minute"),
        (day, "pt", "24 horas"), (hour, "pt", "1 hora"), (5_400, "pt", "90 minutos"), (60, "pt-BR", "1 minuto"),
        (day, "tr", "24 saat"), (hour, "tr", "1 saat"), (5_400, "tr", "90 dakika"),
        (day, "ru", "24 часа"), (hour, "ru", "1 час"), (2 * hour, "ru", "2 часа"), (5 * hour, "ru", "5 часов"),
        (21 * hour, "ru", "21 час"), (11 * hour, "ru", "11 часов"), (60, "ru", "1 минуту"), (120, "ru", "2 минуты"),
        (5_400, "ru", "90 минут"),
        (day, "zh", "24 小时"), (hour, "zh", "1 小时"), (5_400, "zh", "90 分钟"),
        (hour, "xx", "1 hour"),
    ]

    @Test(arguments: Self.phrases)
    func theWindowIsWrittenInTheApplicantsLanguage(seconds: Int, locale: String, phrase: String) throws {
        let templates = EmailTemplates.builtIn
        let words = templates.attemptWindow(.seconds(seconds), in: templates.resolve(locale))
        #expect(words["attempt_window"] as? String == phrase)
    }

    /// window × locale → the sentence on trying again, 9 attempts left; the 24 h ones are today's texts.
    static let sentences: [(Int, String, String)] = [
        (day, "en", "You may try again: you have 9 attempts remaining in the current 24 hours."),
        (hour, "en", "You may try again: you have 9 attempts remaining in the current 1 hour."),
        (5_400, "en", "You may try again: you have 9 attempts remaining in the current 90 minutes."),
        (day, "es", "Puedes volver a intentarlo: te quedan 9 intentos en las 24 horas actuales."),
        (hour, "es", "Puedes volver a intentarlo: te quedan 9 intentos en la 1 hora actual."),
        (5_400, "es", "Puedes volver a intentarlo: te quedan 9 intentos en los 90 minutos actuales."),
        (60, "es", "Puedes volver a intentarlo: te quedan 9 intentos en el 1 minuto actual."),
        (day, "fr", "Vous pouvez réessayer : il vous reste 9 tentatives sur les 24 heures en cours."),
        (hour, "fr", "Vous pouvez réessayer : il vous reste 9 tentatives sur la 1 heure en cours."),
        (5_400, "fr", "Vous pouvez réessayer : il vous reste 9 tentatives sur les 90 minutes en cours."),
        (day, "de", "Sie können es erneut versuchen: In den laufenden 24 Stunden bleiben Ihnen 9 Versuche."),
        (hour, "de", "Sie können es erneut versuchen: In der laufenden 1 Stunde bleiben Ihnen 9 Versuche."),
        (5_400, "de", "Sie können es erneut versuchen: In den laufenden 90 Minuten bleiben Ihnen 9 Versuche."),
        (day, "pt", "Pode tentar novamente: restam-lhe 9 tentativas nas 24 horas atuais."),
        (hour, "pt", "Pode tentar novamente: restam-lhe 9 tentativas na 1 hora atual."),
        (5_400, "pt", "Pode tentar novamente: restam-lhe 9 tentativas nos 90 minutos atuais."),
        (day, "tr", "Yeniden deneyebilirsiniz: içinde bulunulan 24 saatte 9 deneme hakkınız kaldı."),
        (hour, "tr", "Yeniden deneyebilirsiniz: içinde bulunulan 1 saatte 9 deneme hakkınız kaldı."),
        (5_400, "tr", "Yeniden deneyebilirsiniz: içinde bulunulan 90 dakikada 9 deneme hakkınız kaldı."),
        (day, "ru", "Вы можете попробовать снова: в текущие 24 часа у вас осталось 9 попыток."),
        (hour, "ru", "Вы можете попробовать снова: в текущий 1 час у вас осталось 9 попыток."),
        (5 * hour, "ru", "Вы можете попробовать снова: в текущие 5 часов у вас осталось 9 попыток."),
        (60, "ru", "Вы можете попробовать снова: в текущую 1 минуту у вас осталось 9 попыток."),
        (120, "ru", "Вы можете попробовать снова: в текущие 2 минуты у вас осталось 9 попыток."),
        (day, "zh", "您可以再次尝试：在当前 24 小时内，您还有 9 次机会。"),
        (hour, "zh", "您可以再次尝试：在当前 1 小时内，您还有 9 次机会。"),
        (5_400, "zh", "您可以再次尝试：在当前 90 分钟内，您还有 9 次机会。"),
    ]

    @Test(arguments: Self.sentences)
    func theSentenceOnTryingAgainStatesThePolicysWindow(seconds: Int, locale: String, sentence: String) {
        let notice = DecisionNotice(
            applicationID: 1, outcome: .denied(.faceMismatch, .attemptsRemaining(9)), locale: locale,
            attemptWindow: .seconds(seconds)
        )
        let lines = DecisionEmail.render(notice).text.split(separator: "\n").map(String.init)
        #expect(lines.contains(sentence), "\(lines)")
    }

    /// window × locale → the attempt_limit reason; the 24 h ones are today's texts.
    static let reasons: [(Int, String, String)] = [
        (day, "en", "you have reached the limit of attempts allowed in 24 hours"),
        (hour, "en", "you have reached the limit of attempts allowed in 1 hour"),
        (5_400, "en", "you have reached the limit of attempts allowed in 90 minutes"),
        (day, "es", "has alcanzado el límite de intentos permitidos en 24 horas"),
        (hour, "es", "has alcanzado el límite de intentos permitidos en 1 hora"),
        (day, "fr", "vous avez atteint le nombre maximal de tentatives sur 24 heures"),
        (hour, "fr", "vous avez atteint le nombre maximal de tentatives sur 1 heure"),
        (day, "de", "Sie haben die Höchstzahl an Versuchen in 24 Stunden erreicht"),
        (5_400, "de", "Sie haben die Höchstzahl an Versuchen in 90 Minuten erreicht"),
        (day, "pt", "atingiu o limite de tentativas permitidas em 24 horas"),
        (hour, "pt", "atingiu o limite de tentativas permitidas em 1 hora"),
        (day, "tr", "24 saatte izin verilen deneme sınırına ulaştınız"),
        (5_400, "tr", "90 dakikada izin verilen deneme sınırına ulaştınız"),
        (day, "ru", "вы исчерпали лимит попыток за 24 часа"),
        (hour, "ru", "вы исчерпали лимит попыток за 1 час"),
        (60, "ru", "вы исчерпали лимит попыток за 1 минуту"),
        (day, "zh", "您已达到 24 小时内允许的尝试次数上限"),
        (hour, "zh", "您已达到 1 小时内允许的尝试次数上限"),
    ]

    @Test(arguments: Self.reasons)
    func theAttemptLimitReasonStatesThePolicysWindow(seconds: Int, locale: String, reason: String) {
        let retry = RetryPolicy.after(Date(timeIntervalSince1970: 1_795_687_770))
        let notice = DecisionNotice(applicationID: 1, outcome: .denied(.attemptLimit, retry), locale: locale,
                                    attemptWindow: .seconds(seconds))
        #expect(DecisionEmail.render(notice).text.contains(reason))
    }

    @Test func withoutAWindowANoticeStatesThePolicysDefault() {
        let outcome = DecisionNotice.Outcome.denied(.attemptLimit, .attemptsRemaining(3))
        let explicit = DecisionNotice(applicationID: 1, outcome: outcome, locale: "en", attemptWindow: .seconds(86_400))
        let implicit = DecisionNotice(applicationID: 1, outcome: outcome, locale: "en")
        #expect(DecisionEmail.render(implicit) == DecisionEmail.render(explicit))
    }

    @Test(arguments: [(86_400, 24, true), (3_600, 1, true), (5_400, 90, false), (90, 2, false), (61, 2, false),
                      (60, 1, false), (0, 1, false)])
    func aWindowIsStatedInWholeHoursElseMinutesRoundedUp(seconds: Int, count: Int, inHours: Bool) {
        let stated = StatedWindow(.seconds(seconds))
        #expect(stated.count == count && stated.inHours == inHours)
    }

    @Test func anOperatorsTemplatesGetTheWindowAndMayWordItForTheirOwnLocale() throws {
        let templates = try EmailTemplates(overrides: [
            "en/denial.text": "{{{reason}}}: {{attempts_remaining}} left in {{{attempt_window}}}",
            "it/denial.text": "{{attempts_remaining}} tentativi nelle {{{attempt_window}}}",
            "it/window.hours": "{{count}} {{#one}}ora{{/one}}{{^one}}ore{{/one}}\n",
        ])
        func denial(_ locale: String, _ seconds: Int) -> EmailContent {
            templates.render(.init(
                applicationID: 1, outcome: .denied(.other, .attemptsRemaining(2)), locale: locale,
                attemptWindow: .seconds(seconds)
            ))
        }
        #expect(denial("en", 3_600).text == "your application did not meet our requirements: 2 left in 1 hour\n")
        #expect(denial("it", 86_400).text == "2 tentativi nelle 24 ore\n")
        let minutes = denial("it", 600)
        #expect(minutes.text == "2 tentativi nelle 10 minutes\n", "a locale without window words gets English ones")
    }
}
