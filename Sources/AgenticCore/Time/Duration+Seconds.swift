extension Duration {
    /// The duration as a number of seconds (for rates and log lines; `Duration` itself has no such view).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
