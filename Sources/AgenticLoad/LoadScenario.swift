/// The load shapes of the system Agentic replaces (its Locust suite), by name.
public struct LoadScenario: Sendable, Equatable {
    public var name: String
    public var users: Int
    /// Users started per second until all run.
    public var spawnRate: Double
    public var durationSeconds: Double

    public static let smoke = LoadScenario(name: "smoke", users: 10, spawnRate: 5, durationSeconds: 60)
    public static let normal = LoadScenario(name: "normal", users: 50, spawnRate: 10, durationSeconds: 300)
    public static let peak = LoadScenario(name: "peak", users: 200, spawnRate: 20, durationSeconds: 600)
    public static let endurance = LoadScenario(name: "endurance", users: 100, spawnRate: 10, durationSeconds: 1800)

    public static let all = [smoke, normal, peak, endurance]

    public static func named(_ name: String) -> LoadScenario? { all.first { $0.name == name } }
}
