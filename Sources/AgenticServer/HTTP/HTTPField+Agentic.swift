import HTTPTypes

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-ID")!
    static let xAPIKey = Self("X-API-Key")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let lastEventID = Self("Last-Event-ID")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
