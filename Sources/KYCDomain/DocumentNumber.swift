/// The one normal form of a document number (CONTRACT §8): ASCII letters in upper case, without spaces, tabs,
/// no-break spaces, hyphens and the MRZ's filler `<`, so that `l898-902c3` and `L898902C3` are one document.
///
/// Intake stores numbers in this form (`kyc.normalized_document_number` in `sql/functions/intake.sql`), so
/// fingerprints, the duplicate count and the consistency check compare the same text. This function applies
/// it where a number was stored before that (the consistency check of an older row, the fingerprints of
/// numbers sealed before it);
/// `IntakeAmendmentTests.theSQLAndSwiftNormalFormsAgreeOnEveryCase` pins both to one table of cases.
public enum DocumentNumber {
    public static func normalized(_ number: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in number.unicodeScalars {
            switch scalar {
            case " ", "-", "<", "\t", "\u{A0}":
                continue
            case "a"..."z":
                result.append(Unicode.Scalar(scalar.value - 32)!)
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }
}
