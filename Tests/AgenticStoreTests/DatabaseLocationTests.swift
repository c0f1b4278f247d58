import AgenticCore
@testable import AgenticStore
import Testing

@Suite("Database URLs", .timeLimit(.minutes(1)))
struct DatabaseLocationTests {
    typealias Endpoint = PostgresSettings.Endpoint

    static func settings(_ url: String) throws -> PostgresSettings {
        guard case .postgres(let settings) = try DatabaseLocation(url: url) else { throw LocationTestFailure("\(url) is not PostgreSQL") }
        return settings
    }

    /// The message a bad URL is refused with.
    static func refusal(_ url: String) -> String? {
        do {
            _ = try DatabaseLocation(url: url)
            return nil
        } catch let error as AgenticError {
            return error.detail
        } catch {
            return "\(error)"
        }
    }

    @Test("a single host keeps its meaning: user, password, port, database, sslmode; nothing to choose")
    func singleHost() throws {
        let settings = try Self.settings("postgres://app:s%40cret@db.example:6543/agentic?sslmode=require")
        #expect(settings.endpoints == [Endpoint(host: "db.example", port: 6543)])
        #expect(settings.username == "app" && settings.password == "s@cret" && settings.database == "agentic")
        #expect(settings.tls == .require && settings.targetSessionAttrs == .any && settings.isSingleFixedHost)
        #expect(settings.description == "postgres://app@db.example:6543/agentic?sslmode=require")
        let bare = try Self.settings("postgresql://localhost")
        #expect(bare.endpoints == [Endpoint(host: "localhost", port: 5432)] && bare.username == "postgres" && bare.database == "postgres")
        #expect(bare.tls == .prefer)
    }

    @Test("several hosts as libpq spells them, in order, missing ports 5432, IPv6 in brackets")
    func multiHost() throws {
        let settings = try Self.settings(
            "postgres://agentic:pw@h1:5433,h2,[::1]:5434,[fe80::1],10.0.0.7:6000/agentic?sslmode=disable&target_session_attrs=read-write")
        #expect(
            settings.endpoints == [
                Endpoint(host: "h1", port: 5433), Endpoint(host: "h2", port: 5432), Endpoint(host: "::1", port: 5434),
                Endpoint(host: "fe80::1", port: 5432), Endpoint(host: "10.0.0.7", port: 6000),
            ])
        #expect(settings.targetSessionAttrs == .readWrite && settings.tls == .disable && settings.database == "agentic")
        #expect(!settings.isSingleFixedHost)
        #expect(
            settings.description
                == "postgres://agentic@h1:5433,h2:5432,[::1]:5434,[fe80::1]:5432,10.0.0.7:6000/agentic?sslmode=disable&target_session_attrs=read-write")
        #expect(try Self.settings("postgres://u@[::1]/d").endpoints == [Endpoint(host: "::1", port: 5432)])
    }

    @Test("target_session_attrs takes read-write, primary and any; a single host with read-write is still chosen, not assumed")
    func targetSessionAttrs() throws {
        #expect(try Self.settings("postgres://h1,h2/db?target_session_attrs=primary").targetSessionAttrs == .primary)
        #expect(try Self.settings("postgres://h1,h2/db?target_session_attrs=any").targetSessionAttrs == .any)
        #expect(try Self.settings("postgres://h1,h2/db").targetSessionAttrs == .any, "libpq's default")
        let one = try Self.settings("postgres://h1/db?target_session_attrs=read-write")
        #expect(one.targetSessionAttrs == .readWrite && !one.isSingleFixedHost)
    }

    @Test(
        "bad spellings are refused with a message saying what is wrong",
        arguments: [
            ("postgres://h1,h2/db?target_session_attrs=read-only", "target_session_attrs `read-only`"),
            ("postgres://h1,h2/db?target_session_attrs=standby", "takes only `any`, `read-write`, `primary`"),
            ("postgres://h1,h2/db?target_session_attrs=prefer-standby", "prefer-standby"),
            ("postgres://h1,,h2/db", "empty host"),
            ("postgres://h1,/db", "empty host"),
            ("postgres:///db", "empty host"),
            ("postgres://h1:0/db", "bad port `0`"),
            ("postgres://h1:65536/db", "bad port `65536`"),
            ("postgres://h1:54x2/db", "bad port `54x2`"),
            ("postgres://h1:/db", "bad port ``"),
            ("postgres://[::1/db", "closing `]`"),
            ("postgres://[::1]x/db", "after `[::1]`"),
            ("postgres://[db.example]:5432/db", "not an IPv6 address"),
            ("postgres://:5432/db", "names no host"),
            ("postgres://h1/db?sslmode=sometimes", "unknown sslmode"),
            ("mysql://h1/db", "must start with"),
        ])
    func badSpellings(url: String, expected: String) {
        let refusal = Self.refusal(url)
        #expect(refusal?.contains(expected) == true, "\(url): \(refusal ?? "accepted")")
    }

    @Test("a password never shows: not in the description, not in any refusal, however the URL is spelled")
    func passwordsNeverShow() throws {
        for url in [
            "postgres://app:topsecret@h1:5432,h2:5432/db?target_session_attrs=read-write",
            "postgres://app:topsecret@h1:5432/db",
        ] {
            #expect(!(try Self.settings(url)).description.contains("topsecret"))
        }
        // An unescaped `/` in a password stays in the password (the last `@` before the query ends it).
        let slashed = try Self.settings("postgres://app:top/secret@h1,h2/db")
        #expect(slashed.password == "top/secret" && slashed.endpoints.count == 2 && !slashed.description.contains("secret"))
        for url in [
            "postgres://app:topsecret@h1:5432,h2:5432/db?target_session_attrs=standby",
            "postgres://app:topsecret@h1:bad,h2/db",
            "postgres://app:topsecret@[::1/db",
            "postgres://app:topsecret@h1/db?sslmode=sometimes",
        ] {
            let refusal = Self.refusal(url)
            #expect(refusal != nil, "\(url) was accepted")
            #expect(refusal?.contains("secret") == false, "\(refusal ?? "")")
        }
    }
}

struct LocationTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
