import AgenticCore
import Foundation
import Testing

/// The OpenAPI document states a pattern for some strings (see `ResourceSchemaTests`): a client that
/// follows it must never be refused for the form of the value. Whatever the parser accepts matches.
@Suite("Documented patterns of time zones and webhook URLs")
struct DocumentedPatternTests {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Random strings near the form: the given pieces, joined with separators, with now and then a
    /// character from anywhere in ASCII.
    static func near(_ pieces: [String], separators: [String], count: Int) -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            var text = ""
            for index in 0..<Int.random(in: 1...4, using: &generator) {
                if index > 0 { text += separators.randomElement(using: &generator)! }
                text += pieces.randomElement(using: &generator)!
                if Int.random(in: 0..<6, using: &generator) == 0 {
                    text.append(Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &generator))))
                }
            }
            return text
        }
    }

    @Test("every time zone name the parser accepts matches ScheduleTimeZone.namePattern")
    func timeZones() {
        var accepted = 0
        let known = TimeZone.knownTimeZoneIdentifiers + ["UTC", "GMT"]
        let generated = Self.near(
            ["Europe", "Berlin", "America", "New_York", "Etc", "GMT+5", "GMT-10", "UTC", "Indiana", "-x", "+1", ""],
            separators: ["/", "/", "_", " "], count: 5000)
        for name in known + generated where (try? ScheduleTimeZone(identifier: name)) != nil {
            accepted += 1
            #expect(Self.matches(ScheduleTimeZone.namePattern, name), "\(name)")
        }
        #expect(accepted >= known.count / 2, "the machine's own zones are accepted")
        for refused in ["../etc/passwd", "Europe//Berlin", "-Europe", "Europe/Berlin\u{0}"] {
            #expect(!Self.matches(ScheduleTimeZone.namePattern, refused), "\(refused)")
        }
    }

    @Test("every webhook URL the parser accepts matches WebhookURL.pattern")
    func webhookURLs() {
        let known = [
            "http://127.0.0.1:9/hook", "HTTPS://EXAMPLE.com:8443/in?x=1", "https://[::1]/x", "http://a.b", "https://h.example/p%20q?r=s&t",
        ]
        let generated = Self.near(
            ["http://", "https://", "HTTP://", "ftp://", "h.example", "127.0.0.1", ":8080", "/path", "?q=1", "#frag", "u:p@", "[::1]", "%41"],
            separators: ["", "", "/", "."], count: 20_000)
        var accepted = 0
        for text in known + generated {
            guard case .success = WebhookURL.parse(text) else { continue }
            accepted += 1
            #expect(Self.matches(WebhookURL.pattern, text), "\(text)")
        }
        #expect(accepted >= known.count)
        for refused in ["http://someone@127.0.0.1/", "http://h/#f", "ftp://h/", "http:///x", "http://h/a b"] {
            #expect(!Self.matches(WebhookURL.pattern, refused), "\(refused)")
        }
    }
}
