/// The built-in decision email templates, by locale: `<locale>/<name>`.
///
/// Names: `approval.subject`, `approval.text`, `denial.subject`, `denial.text`, and `reason.<code>` for
/// each reason code; `window.hours` and `window.minutes`, the words for the attempt window; `layout.html`
/// (no locale) wraps any text body into the HTML part. Text templates use triple braces: their values are
/// not HTML. Context keys: `first_name`, `application_id`, `reason`, `message`, and for a denial one of
/// `attempts_remaining` (with `one`/`few`/`many`/`other` for the plural form), `retry_after`
/// (`YYYY-MM-DD HH:MM UTC`) or `final`. A denial (its `reason.<code>` templates included) also gets the
/// attempt window of the policy its decision was made under: `attempt_window`, in words ("24 hours",
/// "1 hour", "90 minutes": whole hours, else minutes), with `attempt_window_in_hours` (stated in hours, not
/// minutes) and `attempt_window_one` (its count takes the singular) for the words around it to agree with;
/// the session window, always in whole minutes rounded up: `session_window` in words ("15 minutes"),
/// `session_window_minutes` (the count) and `session_window_one`; and the minimum age: `minimum_age` (the
/// number) and `minimum_age_one`.
/// `window.hours` and `window.minutes` write `attempt_window` from `count` and `one`/`few`/`many`/`other`; a
/// locale without them (an operator's own) gets English words.
enum EmailCatalog {
    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}"><head><meta charset="utf-8"><title>{{subject}}</title></head>
        <body>
        {{#paragraphs}}
        <p>{{.}}</p>
        {{/paragraphs}}
        </body></html>

        """

    /// Every built-in template, keyed `<locale>/<name>` (and `layout.html`).
    static let templates: [String: String] = {
        var all: [String: String] = ["layout.html": layout]
        for (locale, texts) in byLocale {
            for (name, text) in texts { all["\(locale)/\(name)"] = text }
        }
        return all
    }()

    static let byLocale: [String: [String: String]] = [
        "en": [
            "approval.subject": "Your account is verified",
            "approval.text": """
                Hello{{#first_name}} {{{first_name}}}{{/first_name}},

                Your identity verification is complete: your account is verified. You can now use every service that requires a verified identity.

                {{#message}}A message from our review team: {{{message}}}{{/message}}

                Application reference: {{application_id}}

                Thank you.
                """,
            "denial.subject": "We could not verify your identity",
            "denial.text": """
                Hello{{#first_name}} {{{first_name}}}{{/first_name}},

                We could not verify your identity: {{{reason}}}.

                {{#attempts_remaining}}You may try again: you have {{attempts_remaining}} {{#one}}attempt{{/one}}{{^one}}attempts{{/one}} remaining in the current {{{attempt_window}}}.{{/attempts_remaining}}{{#retry_after}}You may try again from {{retry_after}}.{{/retry_after}}{{#final}}This decision is final: you cannot submit a new application.{{/final}}

                {{#message}}A message from our review team: {{{message}}}{{/message}}

                Application reference: {{application_id}}
                """,
            "reason.session_expired": "taking the photos of your document and your selfie took longer than the {{{session_window}}} allowed",
            "reason.attempt_limit": "you have reached the limit of attempts allowed in {{{attempt_window}}}",
            "reason.unsupported_document": "we do not accept this type of document from the country that issued it",
            "reason.image_invalid": "the photos of your document or your selfie were missing or could not be used",
            "reason.mrz_invalid": "the machine-readable zone of your document could not be read or did not verify",
            "reason.document_expired": "your document has expired",
            "reason.info_mismatch": "the details you entered do not match your document",
            "reason.underage": "you must be at least {{minimum_age}} {{#minimum_age_one}}year{{/minimum_age_one}}{{^minimum_age_one}}years{{/minimum_age_one}} old",
            "reason.liveness_failed": "the liveness check during your selfie did not succeed",
            "reason.face_mismatch": "your selfie does not match the photo on your document",
            "reason.document_unreadable": "your document could not be read",
            "reason.suspected_fraud": "we were unable to verify your identity with the information provided",
            "reason.duplicate_identity": "this identity is already used by another account",
            "reason.other": "your application did not meet our requirements",
            "window.hours": "{{count}} {{#one}}hour{{/one}}{{^one}}hours{{/one}}",
            "window.minutes": "{{count}} {{#one}}minute{{/one}}{{^one}}minutes{{/one}}",
        ],
        "es": [
            "approval.subject": "Tu cuenta está verificada",
            "approval.text": """
                Hola{{#first_name}} {{{first_name}}}{{/first_name}}:

                La verificación de tu identidad ha finalizado: tu cuenta está verificada. Ya puedes usar todos los servicios que requieren una identidad verificada.

                {{#message}}Un mensaje de nuestro equipo de revisión: {{{message}}}{{/message}}

                Referencia de la solicitud: {{application_id}}

                Gracias.
                """,
            "denial.subject": "No hemos podido verificar tu identidad",
            "denial.text": """
                Hola{{#first_name}} {{{first_name}}}{{/first_name}}:

                No hemos podido verificar tu identidad: {{{reason}}}.

                {{#attempts_remaining}}Puedes volver a intentarlo: te {{#one}}queda {{attempts_remaining}} intento{{/one}}{{^one}}quedan {{attempts_remaining}} intentos{{/one}} en {{#attempt_window_in_hours}}{{#attempt_window_one}}la{{/attempt_window_one}}{{^attempt_window_one}}las{{/attempt_window_one}}{{/attempt_window_in_hours}}{{^attempt_window_in_hours}}{{#attempt_window_one}}el{{/attempt_window_one}}{{^attempt_window_one}}los{{/attempt_window_one}}{{/attempt_window_in_hours}} {{{attempt_window}}} {{#attempt_window_one}}actual{{/attempt_window_one}}{{^attempt_window_one}}actuales{{/attempt_window_one}}.{{/attempts_remaining}}{{#retry_after}}Puedes volver a intentarlo a partir del {{retry_after}}.{{/retry_after}}{{#final}}Esta decisión es definitiva: no puedes presentar una nueva solicitud.{{/final}}

                {{#message}}Un mensaje de nuestro equipo de revisión: {{{message}}}{{/message}}

                Referencia de la solicitud: {{application_id}}
                """,
            "reason.session_expired": "hacer las fotos de tu documento y tu selfie llevó más {{#session_window_one}}del{{/session_window_one}}{{^session_window_one}}de los{{/session_window_one}} {{{session_window}}} {{#session_window_one}}permitido{{/session_window_one}}{{^session_window_one}}permitidos{{/session_window_one}}",
            "reason.attempt_limit": "has alcanzado el límite de intentos permitidos en {{{attempt_window}}}",
            "reason.unsupported_document": "no aceptamos este tipo de documento del país que lo emitió",
            "reason.image_invalid": "faltaban las fotos de tu documento o tu selfie, o no se pudieron usar",
            "reason.mrz_invalid": "la zona de lectura mecánica de tu documento no se pudo leer o no es válida",
            "reason.document_expired": "tu documento ha caducado",
            "reason.info_mismatch": "los datos que introdujiste no coinciden con tu documento",
            "reason.underage": "debes tener al menos {{minimum_age}} {{#minimum_age_one}}año{{/minimum_age_one}}{{^minimum_age_one}}años{{/minimum_age_one}}",
            "reason.liveness_failed": "la prueba de vida durante tu selfie no se superó",
            "reason.face_mismatch": "tu selfie no coincide con la foto de tu documento",
            "reason.document_unreadable": "no se pudo leer tu documento",
            "reason.suspected_fraud": "no hemos podido verificar tu identidad con la información facilitada",
            "reason.duplicate_identity": "esta identidad ya la usa otra cuenta",
            "reason.other": "tu solicitud no cumple nuestros requisitos",
            "window.hours": "{{count}} {{#one}}hora{{/one}}{{^one}}horas{{/one}}",
            "window.minutes": "{{count}} {{#one}}minuto{{/one}}{{^one}}minutos{{/one}}",
        ],
        "fr": [
            "approval.subject": "Votre compte est vérifié",
            "approval.text": """
                Bonjour{{#first_name}} {{{first_name}}}{{/first_name}},

                La vérification de votre identité est terminée : votre compte est vérifié. Vous pouvez désormais utiliser tous les services qui exigent une identité vérifiée.

                {{#message}}Un message de notre équipe de vérification : {{{message}}}{{/message}}

                Référence de la demande : {{application_id}}

                Merci.
                """,
            "denial.subject": "Nous n'avons pas pu vérifier votre identité",
            "denial.text": """
                Bonjour{{#first_name}} {{{first_name}}}{{/first_name}},

                Nous n'avons pas pu vérifier votre identité : {{{reason}}}.

                {{#attempts_remaining}}Vous pouvez réessayer : il vous {{#one}}reste {{attempts_remaining}} tentative{{/one}}{{^one}}reste {{attempts_remaining}} tentatives{{/one}} sur {{#attempt_window_one}}la{{/attempt_window_one}}{{^attempt_window_one}}les{{/attempt_window_one}} {{{attempt_window}}} en cours.{{/attempts_remaining}}{{#retry_after}}Vous pourrez réessayer à partir du {{retry_after}}.{{/retry_after}}{{#final}}Cette décision est définitive : vous ne pouvez pas déposer de nouvelle demande.{{/final}}

                {{#message}}Un message de notre équipe de vérification : {{{message}}}{{/message}}

                Référence de la demande : {{application_id}}
                """,
            "reason.session_expired": "la prise des photos de votre document et de votre selfie a dépassé {{#session_window_one}}la{{/session_window_one}}{{^session_window_one}}les{{/session_window_one}} {{{session_window}}} {{#session_window_one}}autorisée{{/session_window_one}}{{^session_window_one}}autorisées{{/session_window_one}}",
            "reason.attempt_limit": "vous avez atteint le nombre maximal de tentatives sur {{{attempt_window}}}",
            "reason.unsupported_document": "nous n'acceptons pas ce type de document du pays qui l'a délivré",
            "reason.image_invalid": "les photos de votre document ou votre selfie manquaient ou étaient inutilisables",
            "reason.mrz_invalid": "la bande de lecture automatique de votre document est illisible ou invalide",
            "reason.document_expired": "votre document a expiré",
            "reason.info_mismatch": "les informations saisies ne correspondent pas à votre document",
            "reason.underage": "vous devez avoir au moins {{minimum_age}} {{#minimum_age_one}}an{{/minimum_age_one}}{{^minimum_age_one}}ans{{/minimum_age_one}}",
            "reason.liveness_failed": "le contrôle de présence lors de votre selfie n'a pas abouti",
            "reason.face_mismatch": "votre selfie ne correspond pas à la photo de votre document",
            "reason.document_unreadable": "votre document n'a pas pu être lu",
            "reason.suspected_fraud": "nous n'avons pas pu vérifier votre identité avec les informations fournies",
            "reason.duplicate_identity": "cette identité est déjà utilisée par un autre compte",
            "reason.other": "votre demande ne remplit pas nos conditions",
            "window.hours": "{{count}} {{#one}}heure{{/one}}{{^one}}heures{{/one}}",
            "window.minutes": "{{count}} {{#one}}minute{{/one}}{{^one}}minutes{{/one}}",
        ],
        "de": [
            "approval.subject": "Ihr Konto ist verifiziert",
            "approval.text": """
                Hallo{{#first_name}} {{{first_name}}}{{/first_name}},

                die Prüfung Ihrer Identität ist abgeschlossen: Ihr Konto ist verifiziert. Sie können jetzt alle Dienste nutzen, die eine verifizierte Identität voraussetzen.

                {{#message}}Eine Nachricht unseres Prüfteams: {{{message}}}{{/message}}

                Antragsnummer: {{application_id}}

                Vielen Dank.
                """,
            "denial.subject": "Wir konnten Ihre Identität nicht bestätigen",
            "denial.text": """
                Hallo{{#first_name}} {{{first_name}}}{{/first_name}},

                wir konnten Ihre Identität nicht bestätigen: {{{reason}}}.

                {{#attempts_remaining}}Sie können es erneut versuchen: In {{#attempt_window_one}}der{{/attempt_window_one}}{{^attempt_window_one}}den{{/attempt_window_one}} laufenden {{{attempt_window}}} {{#one}}bleibt Ihnen {{attempts_remaining}} Versuch{{/one}}{{^one}}bleiben Ihnen {{attempts_remaining}} Versuche{{/one}}.{{/attempts_remaining}}{{#retry_after}}Sie können es ab {{retry_after}} erneut versuchen.{{/retry_after}}{{#final}}Diese Entscheidung ist endgültig: Sie können keinen neuen Antrag stellen.{{/final}}

                {{#message}}Eine Nachricht unseres Prüfteams: {{{message}}}{{/message}}

                Antragsnummer: {{application_id}}
                """,
            "reason.session_expired": "die Aufnahme Ihres Dokuments und Ihres Selfies dauerte länger als die {{#session_window_one}}erlaubte{{/session_window_one}}{{^session_window_one}}erlaubten{{/session_window_one}} {{{session_window}}}",
            "reason.attempt_limit": "Sie haben die Höchstzahl an Versuchen in {{{attempt_window}}} erreicht",
            "reason.unsupported_document": "wir akzeptieren diese Dokumentart aus dem ausstellenden Land nicht",
            "reason.image_invalid": "die Fotos Ihres Dokuments oder Ihr Selfie fehlten oder waren nicht verwendbar",
            "reason.mrz_invalid": "die maschinenlesbare Zone Ihres Dokuments war nicht lesbar oder nicht gültig",
            "reason.document_expired": "Ihr Dokument ist abgelaufen",
            "reason.info_mismatch": "Ihre Angaben stimmen nicht mit Ihrem Dokument überein",
            "reason.underage": "Sie müssen mindestens {{minimum_age}} {{#minimum_age_one}}Jahr{{/minimum_age_one}}{{^minimum_age_one}}Jahre{{/minimum_age_one}} alt sein",
            "reason.liveness_failed": "die Lebendigkeitsprüfung bei Ihrem Selfie war nicht erfolgreich",
            "reason.face_mismatch": "Ihr Selfie stimmt nicht mit dem Foto in Ihrem Dokument überein",
            "reason.document_unreadable": "Ihr Dokument konnte nicht gelesen werden",
            "reason.suspected_fraud": "wir konnten Ihre Identität mit den angegebenen Informationen nicht bestätigen",
            "reason.duplicate_identity": "diese Identität wird bereits von einem anderen Konto verwendet",
            "reason.other": "Ihr Antrag erfüllt unsere Anforderungen nicht",
            "window.hours": "{{count}} {{#one}}Stunde{{/one}}{{^one}}Stunden{{/one}}",
            "window.minutes": "{{count}} {{#one}}Minute{{/one}}{{^one}}Minuten{{/one}}",
        ],
        "pt": [
            "approval.subject": "A sua conta está verificada",
            "approval.text": """
                Olá{{#first_name}} {{{first_name}}}{{/first_name}},

                A verificação da sua identidade está concluída: a sua conta está verificada. Já pode usar todos os serviços que exigem uma identidade verificada.

                {{#message}}Uma mensagem da nossa equipa de análise: {{{message}}}{{/message}}

                Referência do pedido: {{application_id}}

                Obrigado.
                """,
            "denial.subject": "Não conseguimos verificar a sua identidade",
            "denial.text": """
                Olá{{#first_name}} {{{first_name}}}{{/first_name}},

                Não conseguimos verificar a sua identidade: {{{reason}}}.

                {{#attempts_remaining}}Pode tentar novamente: {{#one}}resta-lhe {{attempts_remaining}} tentativa{{/one}}{{^one}}restam-lhe {{attempts_remaining}} tentativas{{/one}} {{#attempt_window_in_hours}}{{#attempt_window_one}}na{{/attempt_window_one}}{{^attempt_window_one}}nas{{/attempt_window_one}}{{/attempt_window_in_hours}}{{^attempt_window_in_hours}}{{#attempt_window_one}}no{{/attempt_window_one}}{{^attempt_window_one}}nos{{/attempt_window_one}}{{/attempt_window_in_hours}} {{{attempt_window}}} {{#attempt_window_one}}atual{{/attempt_window_one}}{{^attempt_window_one}}atuais{{/attempt_window_one}}.{{/attempts_remaining}}{{#retry_after}}Pode tentar novamente a partir de {{retry_after}}.{{/retry_after}}{{#final}}Esta decisão é definitiva: não pode apresentar um novo pedido.{{/final}}

                {{#message}}Uma mensagem da nossa equipa de análise: {{{message}}}{{/message}}

                Referência do pedido: {{application_id}}
                """,
            "reason.session_expired": "tirar as fotos do seu documento e a selfie demorou mais do que {{#session_window_one}}o{{/session_window_one}}{{^session_window_one}}os{{/session_window_one}} {{{session_window}}} {{#session_window_one}}permitido{{/session_window_one}}{{^session_window_one}}permitidos{{/session_window_one}}",
            "reason.attempt_limit": "atingiu o limite de tentativas permitidas em {{{attempt_window}}}",
            "reason.unsupported_document": "não aceitamos este tipo de documento do país que o emitiu",
            "reason.image_invalid": "as fotos do seu documento ou a selfie estavam em falta ou não puderam ser usadas",
            "reason.mrz_invalid": "a zona de leitura ótica do seu documento não pôde ser lida ou não é válida",
            "reason.document_expired": "o seu documento expirou",
            "reason.info_mismatch": "os dados que introduziu não correspondem ao seu documento",
            "reason.underage": "tem de ter pelo menos {{minimum_age}} {{#minimum_age_one}}ano{{/minimum_age_one}}{{^minimum_age_one}}anos{{/minimum_age_one}}",
            "reason.liveness_failed": "a prova de vida durante a selfie não foi bem-sucedida",
            "reason.face_mismatch": "a sua selfie não corresponde à foto do seu documento",
            "reason.document_unreadable": "não foi possível ler o seu documento",
            "reason.suspected_fraud": "não conseguimos verificar a sua identidade com as informações fornecidas",
            "reason.duplicate_identity": "esta identidade já é usada por outra conta",
            "reason.other": "o seu pedido não cumpre os nossos requisitos",
            "window.hours": "{{count}} {{#one}}hora{{/one}}{{^one}}horas{{/one}}",
            "window.minutes": "{{count}} {{#one}}minuto{{/one}}{{^one}}minutos{{/one}}",
        ],
        "tr": [
            "approval.subject": "Hesabınız doğrulandı",
            "approval.text": """
                Merhaba{{#first_name}} {{{first_name}}}{{/first_name}},

                Kimlik doğrulamanız tamamlandı: hesabınız doğrulandı. Artık doğrulanmış kimlik gerektiren tüm hizmetleri kullanabilirsiniz.

                {{#message}}İnceleme ekibimizden bir mesaj: {{{message}}}{{/message}}

                Başvuru numarası: {{application_id}}

                Teşekkür ederiz.
                """,
            "denial.subject": "Kimliğinizi doğrulayamadık",
            "denial.text": """
                Merhaba{{#first_name}} {{{first_name}}}{{/first_name}},

                Kimliğinizi doğrulayamadık: {{{reason}}}.

                {{#attempts_remaining}}Yeniden deneyebilirsiniz: içinde bulunulan {{{attempt_window}}}{{#attempt_window_in_hours}}te{{/attempt_window_in_hours}}{{^attempt_window_in_hours}}da{{/attempt_window_in_hours}} {{attempts_remaining}} deneme hakkınız kaldı.{{/attempts_remaining}}{{#retry_after}}{{retry_after}} itibarıyla yeniden deneyebilirsiniz.{{/retry_after}}{{#final}}Bu karar kesindir: yeni bir başvuru yapamazsınız.{{/final}}

                {{#message}}İnceleme ekibimizden bir mesaj: {{{message}}}{{/message}}

                Başvuru numarası: {{application_id}}
                """,
            "reason.session_expired": "belgenizin ve özçekiminizin fotoğraflarını çekmek izin verilen {{{session_window}}}dan uzun sürdü",
            "reason.attempt_limit": "{{{attempt_window}}}{{#attempt_window_in_hours}}te{{/attempt_window_in_hours}}{{^attempt_window_in_hours}}da{{/attempt_window_in_hours}} izin verilen deneme sınırına ulaştınız",
            "reason.unsupported_document": "bu belge türünü düzenleyen ülkeden kabul etmiyoruz",
            "reason.image_invalid": "belgenizin fotoğrafları veya özçekiminiz eksikti ya da kullanılamadı",
            "reason.mrz_invalid": "belgenizin makinece okunabilir bölgesi okunamadı veya doğrulanamadı",
            "reason.document_expired": "belgenizin süresi dolmuş",
            "reason.info_mismatch": "girdiğiniz bilgiler belgenizle uyuşmuyor",
            "reason.underage": "en az {{minimum_age}} yaşında olmalısınız",
            "reason.liveness_failed": "özçekim sırasındaki canlılık kontrolü başarısız oldu",
            "reason.face_mismatch": "özçekiminiz belgenizdeki fotoğrafla eşleşmiyor",
            "reason.document_unreadable": "belgeniz okunamadı",
            "reason.suspected_fraud": "verilen bilgilerle kimliğinizi doğrulayamadık",
            "reason.duplicate_identity": "bu kimlik zaten başka bir hesap tarafından kullanılıyor",
            "reason.other": "başvurunuz gereksinimlerimizi karşılamıyor",
            // Without a case suffix: the texts add the locative (-te after saat, -da after dakika).
            "window.hours": "{{count}} saat",
            "window.minutes": "{{count}} dakika",
        ],
        "ru": [
            "approval.subject": "Ваш аккаунт подтверждён",
            "approval.text": """
                Здравствуйте{{#first_name}}, {{{first_name}}}{{/first_name}}!

                Проверка вашей личности завершена: ваш аккаунт подтверждён. Теперь вам доступны все услуги, для которых нужна подтверждённая личность.

                {{#message}}Сообщение от нашей команды проверки: {{{message}}}{{/message}}

                Номер заявки: {{application_id}}

                Спасибо.
                """,
            "denial.subject": "Нам не удалось подтвердить вашу личность",
            "denial.text": """
                Здравствуйте{{#first_name}}, {{{first_name}}}{{/first_name}}!

                Нам не удалось подтвердить вашу личность: {{{reason}}}.

                {{#attempts_remaining}}Вы можете попробовать снова: в {{#attempt_window_one}}{{#attempt_window_in_hours}}текущий{{/attempt_window_in_hours}}{{^attempt_window_in_hours}}текущую{{/attempt_window_in_hours}}{{/attempt_window_one}}{{^attempt_window_one}}текущие{{/attempt_window_one}} {{{attempt_window}}} у вас {{#one}}осталась {{attempts_remaining}} попытка{{/one}}{{#few}}осталось {{attempts_remaining}} попытки{{/few}}{{#many}}осталось {{attempts_remaining}} попыток{{/many}}.{{/attempts_remaining}}{{#retry_after}}Вы можете попробовать снова начиная с {{retry_after}}.{{/retry_after}}{{#final}}Это решение окончательное: вы не можете подать новую заявку.{{/final}}

                {{#message}}Сообщение от нашей команды проверки: {{{message}}}{{/message}}

                Номер заявки: {{application_id}}
                """,
            "reason.session_expired": "съёмка документа и селфи заняла больше {{#session_window_one}}отведённой {{session_window_minutes}} минуты{{/session_window_one}}{{^session_window_one}}отведённых {{session_window_minutes}} минут{{/session_window_one}}",
            "reason.attempt_limit": "вы исчерпали лимит попыток за {{{attempt_window}}}",
            "reason.unsupported_document": "мы не принимаем документ этого типа, выданный этой страной",
            "reason.image_invalid": "фотографии документа или селфи отсутствуют или непригодны",
            "reason.mrz_invalid": "машиночитаемую зону документа не удалось прочитать или проверить",
            "reason.document_expired": "срок действия вашего документа истёк",
            "reason.info_mismatch": "введённые данные не совпадают с вашим документом",
            "reason.underage": "вам должно быть не меньше {{minimum_age}} {{#minimum_age_one}}года{{/minimum_age_one}}{{^minimum_age_one}}лет{{/minimum_age_one}}",
            "reason.liveness_failed": "проверка живого присутствия при съёмке селфи не пройдена",
            "reason.face_mismatch": "ваше селфи не совпадает с фотографией в документе",
            "reason.document_unreadable": "ваш документ не удалось прочитать",
            "reason.suspected_fraud": "нам не удалось подтвердить вашу личность по предоставленным данным",
            "reason.duplicate_identity": "эта личность уже используется другим аккаунтом",
            "reason.other": "ваша заявка не соответствует нашим требованиям",
            // Accusative, as after «за» and «в»: «за 1 минуту», «в текущие 24 часа».
            "window.hours": "{{count}} {{#one}}час{{/one}}{{#few}}часа{{/few}}{{#many}}часов{{/many}}",
            "window.minutes": "{{count}} {{#one}}минуту{{/one}}{{#few}}минуты{{/few}}{{#many}}минут{{/many}}",
        ],
        "zh": [
            "approval.subject": "您的账户已通过验证",
            "approval.text": """
                {{#first_name}}{{{first_name}}}，{{/first_name}}您好：

                您的身份验证已完成：您的账户已通过验证。现在您可以使用所有需要身份验证的服务。

                {{#message}}来自审核团队的留言：{{{message}}}{{/message}}

                申请编号：{{application_id}}

                谢谢。
                """,
            "denial.subject": "我们未能验证您的身份",
            "denial.text": """
                {{#first_name}}{{{first_name}}}，{{/first_name}}您好：

                我们未能验证您的身份：{{{reason}}}。

                {{#attempts_remaining}}您可以再次尝试：在当前 {{{attempt_window}}}内，您还有 {{attempts_remaining}} 次机会。{{/attempts_remaining}}{{#retry_after}}您可以从 {{retry_after}} 起再次尝试。{{/retry_after}}{{#final}}此决定为最终决定：您不能再提交新的申请。{{/final}}

                {{#message}}来自审核团队的留言：{{{message}}}{{/message}}

                申请编号：{{application_id}}
                """,
            "reason.session_expired": "拍摄证件照片和自拍所用时间超过了允许的 {{{session_window}}}",
            "reason.attempt_limit": "您已达到 {{{attempt_window}}}内允许的尝试次数上限",
            "reason.unsupported_document": "我们不接受该签发国家的此类证件",
            "reason.image_invalid": "证件照片或自拍缺失或无法使用",
            "reason.mrz_invalid": "您证件上的机读区无法读取或未通过校验",
            "reason.document_expired": "您的证件已过期",
            "reason.info_mismatch": "您填写的信息与证件不符",
            "reason.underage": "您必须年满 {{minimum_age}} 周岁",
            "reason.liveness_failed": "自拍时的活体检测未通过",
            "reason.face_mismatch": "您的自拍与证件照片不符",
            "reason.document_unreadable": "无法读取您的证件",
            "reason.suspected_fraud": "我们无法根据您提供的信息验证您的身份",
            "reason.duplicate_identity": "该身份已被其他账户使用",
            "reason.other": "您的申请不符合我们的要求",
            "window.hours": "{{count}} 小时",
            "window.minutes": "{{count}} 分钟",
        ],
    ]
}
