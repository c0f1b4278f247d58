import Foundation

/// A subscription of a tenant's events: each event whose type matches `types` is POSTed to `url`,
/// signed with `secret` (see `WebhookSignature`). The secret is kept because it signs every
/// delivery; it leaves the server once, in the answer to the create request.
public struct Webhook: StoredObject, Equatable, Identified, JSONWritable {
    public var id = UUID.unset
    /// Whose it is (not part of its JSON: a caller only ever sees its own tenant's).
    public var tenant = ""
    public var url = ""
    /// Exact event types and prefixes ending in `.`, as `GET /events?types=` takes them.
    public var types: [String] = []
    public var secret = ""
    public var createdAt = Timestamp(microseconds: 0)

    public init() {}

    public static let fields = ResourceDescription<Webhook>(
        table: "webhooks",
        [
            .init("webhook_id", \.id, .uuid, .create),
            .init("tenant", \.tenant, .text(max: Limits.maxIdentifierLength), .hidden),
            .init("url", \.url, .webhookURL, .create, required: true),
            .init("types", \.types, .eventTypes, .create, required: true),
            .init("secret", \.secret, .text(min: secretLength.lowerBound, max: secretLength.upperBound), .secret),
            .init("created_at", \.createdAt, .timestamp, .server),
        ])

    /// How many webhooks a tenant may have.
    public static let maxPerTenant = 100
    public static let maxTypes = 50
    public static let secretLength = 16...256

    /// Reads `POST /webhooks` (`{url, types, secret?, webhook_id?}`) into the webhook it creates,
    /// with an id and a secret when the request gave none (the store sets tenant and time).
    public static func create(_ body: JSONValue) throws(AgenticError) -> Webhook {
        var (webhook, given) = try fields.create(body)
        if !given.contains("webhook_id") { webhook.id = UUID() }
        if !given.contains("secret") { webhook.secret = makeSecret() }
        return webhook
    }

    /// The host its URL names, as the allow-list spells hosts (the URL was checked when it was set).
    public var host: String { (try? WebhookURL.parse(url).get())?.host ?? "" }

    /// The event types it receives, as the event log's filter.
    public var filter: EventTypeFilter {
        EventTypeFilter(exact: types.filter { !$0.hasSuffix(".") }, prefixes: types.filter { $0.hasSuffix(".") })
    }

    /// The create answer: the only one that shows the secret (every other answer, and its events,
    /// are `write(to:)`, which leaves it out).
    public var createdJSON: [UInt8] {
        var w = JSONWriter()
        Self.fields.writeWithSecrets(self, to: &w)
        return w.bytes
    }

    /// A random secret: `whsec_` and 32 random bytes in hex.
    public static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }
        return "whsec_" + hex.joined()
    }
}

extension FieldCodec where Value == String {
    /// A webhook's target (`WebhookURL`).
    static var webhookURL: Self {
        string(.string(minLength: 1, maxLength: WebhookURL.maxLength, format: nil)) { value in
            guard case .string(let text) = value else { return .failure(Problem("must be a string, not \(value.typeName)")) }
            return WebhookURL.parse(text).map(\.text)
        }
    }
}

extension FieldCodec where Value == [String] {
    /// 1–50 event types or prefixes ending in `.` (each of the form of an identifier); repeats are
    /// dropped. Stored as `text[]`, which the outbox statement matches events against.
    static var eventTypes: Self {
        FieldCodec(
            schema: .array(of: .string(minLength: nil, maxLength: Limits.maxIdentifierLength, format: nil), maxItems: Webhook.maxTypes),
            column: .texts,
            convert: { value in
                guard case .array(let items) = value else { return .failure(Problem("must be an array of event types, not \(value.typeName)")) }
                guard (1...Webhook.maxTypes).contains(items.count) else {
                    return .failure(Problem("must hold 1 to \(Webhook.maxTypes) event types or prefixes"))
                }
                var types: [String] = []
                for (index, item) in items.enumerated() {
                    guard case .string(let text) = item, Convert.isIdentifier(text) else {
                        return .failure(Problem("must be an event type (`task.completed`) or a prefix ending in `.` (`task.`)", at: "[\(index)]"))
                    }
                    if !types.contains(text) { types.append(text) }
                }
                return .success(types)
            },
            write: { v, w in w.strings(v) }, parse: strings(of:),
            store: { .texts($0) }, load: { if case .texts(let v) = $0 { v } else { nil } })
    }
}

/// A webhook's target: an absolute `http` or `https` URL with a host, at most 2,000 characters.
public struct WebhookURL: Sendable, Equatable {
    public var text: String
    /// Lowercased, without brackets around an IPv6 literal.
    public var host: String

    public static let maxLength = 2000

    /// The form every URL `parse` accepts has, for the OpenAPI document: http or https in any letter
    /// case, a host without user name or password, printable ASCII, no fragment. (Whether the host is
    /// on the tenant's allow-list is for the request to find out.)
    public static let pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=:\\[\\]-]+(?:[/?][!\"$-~]*)?$"

    public static func parse(_ text: String) -> Result<WebhookURL, Problem> {
        guard text.utf8.count <= maxLength else { return .failure(Problem("must be at most \(maxLength) bytes")) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            components.percentEncodedHost != nil
        else { return .failure(Problem("must be an absolute http or https URL")) }
        guard scheme == "http" || scheme == "https" else { return .failure(Problem("must use http or https, not `\(scheme)`")) }
        guard let host = components.host, !host.isEmpty else { return .failure(Problem("must name a host")) }
        guard components.user == nil, components.password == nil else { return .failure(Problem("must not carry a user name or password")) }
        guard components.fragment == nil else { return .failure(Problem("must not have a fragment")) }
        guard text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F }) else {
            return .failure(Problem("must be ASCII without spaces or control characters (percent-encode the rest)"))
        }
        return .success(WebhookURL(text: text, host: WebhookHosts.normalize(host)))
    }
}

/// The hosts a tenant's webhooks may target, kept by its admins (`PUT /webhooks/allowed-hosts`).
/// A host matches exactly, ignoring case and the port: `example.com` allows
/// `https://example.com:8443/…` but not `https://api.example.com/…`.
public enum WebhookHosts {
    public static let maxHosts = 100

    public static func normalize(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    /// The body of `PUT /webhooks/allowed-hosts`: `{hosts: [...]}`; answers them normalised, sorted.
    public static func read(_ body: JSONValue) throws(AgenticError) -> [String] {
        var reader = ObjectReader(body, known: ["hosts"], readOnly: ["updated_at"])
        let hosts = reader.read("hosts") { value -> Result<[String], Problem> in
            guard case .array(let items) = value else { return .failure(Problem("must be an array of host names, not \(value.typeName)")) }
            guard items.count <= maxHosts else { return .failure(Problem("must hold at most \(maxHosts) hosts")) }
            var hosts: Set<String> = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item, isHost(text) else {
                    return .failure(Problem("must be a host name or IP address, without scheme or port", at: "[\(index)]"))
                }
                hosts.insert(normalize(text))
            }
            return .success(hosts.sorted())
        }
        if !hosts.isPresent, reader.errors.isEmpty { reader.fail("hosts", "is required") }
        try reader.check()
        return hosts.value ?? []
    }

    /// ASCII letters, digits, `-`, `.` (a name or an IPv4 address, not starting with `-` or `.`), or an
    /// IPv6 address (in brackets or not, as `inet_pton` reads it: `1.2.3.4:80` is a host with a port,
    /// not an address); 1–253 characters as given. Checked before case is folded: `lowercased()`
    /// turns some non-ASCII letters into ASCII ones (the Kelvin sign into `k`), and the list would
    /// then hold a host nobody typed.
    static func isHost(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...253).contains(bytes.count) else { return false }
        let bracketed = bytes.count >= 2 && bytes.first == UInt8(ascii: "[") && bytes.last == UInt8(ascii: "]")
        let bare = bracketed ? bytes.dropFirst().dropLast() : bytes[...]
        if bracketed || bare.contains(UInt8(ascii: ":")) {
            // The character check comes first: `inet_pton` reads a C string, which ends at the first
            // U+0000, so `::1` followed by NUL and anything would pass on its own.
            return bare.allSatisfy { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || isHexDigit($0) } && isIPv6(String(decoding: bare, as: UTF8.self))
        }
        guard let first = bare.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else { return false }
        return bare.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    private static func isLetterOrDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    private static func isHexDigit(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }

    public static func allows(_ host: String, in hosts: [String]) -> Bool { hosts.contains(normalize(host)) }
}

/// The allow-list as its routes answer it.
public struct WebhookAllowedHosts: Sendable, Equatable, JSONWritable {
    public var hosts: [String]
    public var updatedAt: Timestamp?

    public init(hosts: [String], updatedAt: Timestamp?) {
        self.hosts = hosts
        self.updatedAt = updatedAt
    }

    public func write(to w: inout JSONWriter) {
        w.beginObject()
        w.key("hosts")
        w.beginArray()
        for host in hosts { w.string(host) }
        w.endArray()
        w.key("updated_at"); w.timestamp(updatedAt)
        w.endObject()
    }
}
