import AgenticCore
import Foundation
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    // MARK: Parsing

    @Test(
        "accepts the standard forms and normalises the text",
        arguments: [
            ("* * * * *", "* * * * *"),
            ("  0   9\t* *  mon-fri ", "0 9 * * MON-FRI"),
            ("*/15 0-23/2 1,15,31 jan-mar,Dec sun", "*/15 0-23/2 1,15,31 JAN-MAR,DEC SUN"),
            ("5/20 2-4 */10 2/3 1-7", "5/20 2-4 */10 2/3 1-7"),
            ("00 07 01 01 00", "00 07 01 01 00"),
            ("@daily", "@daily"),
            ("@Hourly", "@hourly"),
            ("@ANNUALLY", "@annually"),
        ])
    func accepts(text: String, normalised: String) throws {
        let expression = try CronExpression(text)
        #expect(expression.description == normalised)
    }

    @Test("each field selects exactly its values")
    func fieldValues() throws {
        let expression = try CronExpression("5/20 2-4 */10 2/3 *")
        // Minutes 5, 25, 45; hours 2, 3, 4; days 1, 11, 21, 31; months 2, 5, 8, 11.
        let minutes = (0...59).filter { expression.matches(year: 2026, month: 5, day: 11, hour: 3, minute: $0) }
        #expect(minutes == [5, 25, 45])
        let hours = (0...23).filter { expression.matches(year: 2026, month: 5, day: 11, hour: $0, minute: 5) }
        #expect(hours == [2, 3, 4])
        let days = (1...31).filter { expression.matches(year: 2026, month: 5, day: $0, hour: 2, minute: 5) }
        #expect(days == [1, 11, 21, 31])
        let months = (1...12).filter { expression.matches(year: 2026, month: $0, day: 1, hour: 2, minute: 5) }
        #expect(months == [2, 5, 8, 11])
        #expect(!expression.matches(year: 2026, month: 2, day: 31, hour: 2, minute: 5), "February 31 does not exist")
        #expect(!expression.matches(year: 10_000, month: 2, day: 1, hour: 2, minute: 5))
        #expect(!expression.matches(year: Int.max, month: 2, day: 1, hour: 2, minute: 5), "no trap on absurd years")
    }

    @Test(
        "rejects malformed expressions, naming the `cron` field",
        arguments: [
            ("", "must not be empty"),
            ("   \t ", "must not be empty"),
            ("* * * *", "found 4"),
            ("* * * * * *", "found 6"),
            ("0 0 * * * 2026", "found 6"),
            ("60 * * * *", "`60` is out of range 0-59"),
            ("* 24 * * *", "`24` is out of range 0-23"),
            ("* * 0 * *", "`0` is out of range 1-31"),
            ("* * 32 * *", "`32` is out of range 1-31"),
            ("* * * 13 *", "`13` is out of range 1-12"),
            ("* * * 0 *", "`0` is out of range 1-12"),
            ("* * * * 8", "`8` is out of range 0-7"),
            ("*/0 * * * *", "the step in `*/0` must be a number from 1 to 59"),
            ("*/60 * * * *", "must be a number from 1 to 59"),
            ("1-5/0 * * * *", "step"),
            ("*/ * * * *", "step"),
            ("*/x * * * *", "step"),
            ("5-1 * * * *", "runs backwards"),
            ("* * * DEC-JAN *", "runs backwards"),
            ("1,,2 * * * *", "empty list item"),
            (",1 * * * *", "empty list item"),
            ("1, * * * *", "empty list item"),
            ("1-2-3 * * * *", "more than one `-`"),
            ("*/2/3 * * * *", "more than one `/`"),
            ("-1 * * * *", "missing a number"),
            ("1- * * * *", "missing a number"),
            ("99999999999999999999 * * * *", "out of range 0-59"),
            ("* * * * */99999999999999999999", "step"),
            ("0-99999999999999999999999999999999 * * * *", "out of range 0-59"),
            ("MON * * * *", "`MON` is not a number"),
            ("* * * MON *", "neither a number nor a name JAN-DEC"),
            ("* * * * JAN", "neither a number nor a name SUN-SAT"),
            ("* * * * SUNDAY", "neither a number nor a name SUN-SAT"),
            ("1a * * * *", "is not a number"),
            ("? * * * *", "found U+003F at position 1"),
            ("0 0 L * *", "is not a number"),
            ("0 0 * * 5#3", "U+0023"),
            ("\u{661} * * * *", "U+0661"),
            ("\u{FF11} * * * *", "U+FF11"),
            ("0 0 * * *\u{0}", "U+0000 at position 10"),
            ("0\u{0} * * * *", "U+0000"),
            ("0 0 * * *\n", "U+000A"),
            ("@reboot", "not a supported macro"),
            ("@daily 5", "stands alone"),
            ("0 @daily * * *", "is not a number"),
        ])
    func rejects(text: String, expected: String) throws {
        let problem = try #require(cronProblem(text), "\(text.debugDescription) was accepted")
        #expect(problem.field == "cron")
        #expect(problem.message.contains(expected), "\(text.debugDescription): \(problem.message)")
    }

    @Test("rejects overlong text before reading it, and never traps on long input")
    func overlong() throws {
        let limit = CronExpression.maxLength
        let padded = "0 0 * * *" + String(repeating: " ", count: limit - 9)
        #expect(try CronExpression(padded).description == "0 0 * * *", "exactly at the limit is fine")
        for text in [
            padded + " ", String(repeating: "1", count: 100_000), String(repeating: "9", count: 201),
            String(repeating: "\u{0}", count: 1000), String(repeating: "é", count: 101),
        ] {
            let problem = try #require(cronProblem(text))
            #expect(problem.field == "cron")
            #expect(problem.message == "must be at most \(limit) characters long")
        }
    }

    @Test("random expressions parse or are refused, never trap; what parses runs on matching minutes")
    func randomExpressions() {
        // Mostly values within the field's range, with some junk, so many expressions parse and many do not.
        let ranges: [ClosedRange<UInt64>] = [0...59, 0...23, 1...31, 1...12, 0...7]
        let names = [3: ["jan", "FEB", "Dec"], 4: ["sun", "MON", "Sat"]]
        let junk = ["", "60", "0", "32", "99999999999999999999", "-", "/", "@", "L", "?", "*/", "mon"]
        var random = SplitMix64(seed: 0x5EED)
        func piece(_ field: Int) -> String {
            if random.next() % 16 == 0 { return junk[Int(random.next() % UInt64(junk.count))] }
            if let names = names[field], random.next() % 3 == 0 { return names[Int(random.next() % 3)] }
            let range = ranges[field]
            return String(range.lowerBound + random.next() % (range.upperBound - range.lowerBound + 1))
        }
        func item(_ field: Int) -> String {
            switch random.next() % 7 {
            case 0, 1: return "*"
            case 2: return "*/" + String(random.next() % 9 + 1)
            case 3: return piece(field) + "-" + piece(field)
            case 4: return piece(field) + "-" + piece(field) + "/" + String(random.next() % 9 + 1)
            case 5: return piece(field) + "/" + piece(field)
            default: return piece(field)
            }
        }
        let start = utc("2026-01-01T00:00:00Z")
        var accepted = 0
        for _ in 0..<5_000 {
            let fieldCount = random.next() % 8 == 0 ? Int(random.next() % 5) : 5
            let text = (0..<fieldCount).map { field in
                (0..<Int(random.next() % 2 + 1)).map { _ in item(field) }.joined(separator: ",")
            }.joined(separator: " ")
            do {
                let expression = try CronExpression(text)
                accepted += 1
                let runs = CronSchedule(expression: expression, timeZone: .utc).runs(after: start, count: 3)
                #expect(!expression.canEverMatch || runs.count == 3, "\(text)")
                #expect(zip([start] + runs, runs).allSatisfy { $0 < $1 }, "\(text)")
                for run in runs {
                    let (year, month, day, hour, minute) = civil(run.microseconds / 1_000_000)
                    #expect(expression.matches(year: year, month: month, day: day, hour: hour, minute: minute), "\(text) at \(run)")
                }
            } catch {
                #expect(error.fieldErrors.map(\.field) == ["cron"], "\(text)")
            }
        }
        #expect(accepted > 250, "too few valid expressions to mean much")
        #expect(accepted < 4_750, "too few invalid ones")
    }

    @Test("names are case-insensitive, and 0, 7 and SUN are all Sunday")
    func namesAndSunday() throws {
        let sundays = try ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * sun", "0 0 * * Sun", "0 0 * * 7-7", "0 0 * * 6/1"]
            .map { try CronExpression($0) }
        for day in 1...31 {
            // 2026-03-01 is a Sunday.
            let isSunday = day % 7 == 1
            for expression in sundays where !expression.description.hasSuffix("6/1") {
                #expect(expression.matches(year: 2026, month: 3, day: day, hour: 0, minute: 0) == isSunday, "\(expression) on \(day)")
            }
            let isWeekend = isSunday || day % 7 == 0
            #expect(sundays[6].matches(year: 2026, month: 3, day: day, hour: 0, minute: 0) == isWeekend, "6/1 is Saturday and Sunday")
        }
        let quarterStarts = try CronExpression("0 0 1 jan,Apr,JUL,oCt *")
        let months = (1...12).filter { quarterStarts.matches(year: 2026, month: $0, day: 1, hour: 0, minute: 0) }
        #expect(months == [1, 4, 7, 10])
        let weekdays = try CronExpression("0 9 * * mon-FRI")
        let days = (1...7).filter { weekdays.matches(year: 2026, month: 3, day: $0, hour: 9, minute: 0) }
        #expect(days == [2, 3, 4, 5, 6], "Monday 2 March to Friday 6 March 2026")
    }

    @Test("both day fields restricted: either matches; one starting with `*`: both must")
    func dayOfMonthOrDayOfWeek() throws {
        let either = try schedule("0 0 1 * MON", "UTC")
        #expect(
            either.runs(after: utc("2026-01-01T00:00:00Z"), count: 6).map(\.rfc3339) == [
                "2026-01-05T00:00:00.000000Z", "2026-01-12T00:00:00.000000Z", "2026-01-19T00:00:00.000000Z",
                "2026-01-26T00:00:00.000000Z", "2026-02-01T00:00:00.000000Z", "2026-02-02T00:00:00.000000Z",
            ])
        // `*/2` starts with `*`, so it does not count as restricted: odd days that are Mondays.
        let both = try schedule("0 0 */2 * MON", "UTC")
        #expect(
            both.runs(after: utc("2026-01-01T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-01-05T00:00:00.000000Z", "2026-01-19T00:00:00.000000Z", "2026-02-09T00:00:00.000000Z",
            ])
        let mondays = try schedule("0 0 * * MON", "UTC")
        #expect(mondays.nextRun(after: utc("2026-01-01T00:00:00Z"))?.rfc3339 == "2026-01-05T00:00:00.000000Z")
        let firsts = try schedule("0 0 1 * *", "UTC")
        #expect(firsts.nextRun(after: utc("2026-01-01T00:00:00Z"))?.rfc3339 == "2026-02-01T00:00:00.000000Z")
    }

    // MARK: Time zones

    @Test("accepts IANA names", arguments: [
        "UTC", "GMT", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Calcutta",
        "Australia/Lord_Howe", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Etc/GMT-14", "EST5EDT", "US/Eastern",
        "America/Port-au-Prince", "Pacific/Apia",
    ])
    func acceptsZone(name: String) throws {
        let zone = try ScheduleTimeZone(identifier: name)
        #expect(zone.identifier == name)
        #expect(zone.description == name)
    }

    @Test("rejects unknown and absurd zone names, naming the `time_zone` field", arguments: [
        "", "Mars/Base", "europe/berlin", "EUROPE/BERLIN", "utc", "PST", "IST", "GMT+5", "UTC+1", "+0530", "Factory",
        "localtime", "posixrules", "Local", "Europe/Berlin ", " Europe/Berlin", "Europe/Berlin\u{0}", "Europe/Berlin\u{0}x",
        "Europe/B\u{E9}rlin", "../../etc/passwd", "/etc/localtime", "Europe/", "/Europe/Berlin", "Europe//Berlin",
        "Europe/./Berlin", "-Europe/Berlin", "Europe/Berlin\n", String(repeating: "A", count: 65),
        String(repeating: "Europe/Berlin/", count: 10_000), "zone.tab", "Etc/GMT+99999999999999999999", "GMT+99999999999999999999/x",
    ])
    func rejectsZone(name: String) {
        do {
            _ = try ScheduleTimeZone(identifier: name)
            Issue.record("\(name.debugDescription.prefix(80)) was accepted")
        } catch {
            #expect(error.fieldErrors.map(\.field) == ["time_zone"])
            #expect(error.status == 422)
        }
    }

    @Test("a schedule names every bad field at once")
    func bothFieldsNamed() throws {
        func fields(_ cron: String, _ zone: String) -> [String] {
            do {
                _ = try CronSchedule(cron: cron, timeZone: zone)
                return []
            } catch {
                #expect(error.code == .validationFailed)
                return error.fieldErrors.map(\.field)
            }
        }
        #expect(fields("0 0 * * *", "Europe/Berlin") == [])
        #expect(fields("61 0 * * *", "Europe/Berlin") == ["cron"])
        #expect(fields("0 0 * * *", "Europe/Berlinn") == ["time_zone"])
        #expect(fields("", "") == ["cron", "time_zone"])
        let valid = try CronSchedule(cron: "0 0 * * *", timeZone: "Europe/Berlin")
        #expect(valid.expression.description == "0 0 * * *")
        #expect(valid.timeZone.identifier == "Europe/Berlin")
    }

    @Test("offsets and transitions of the zone")
    func zoneOffsets() throws {
        let kolkata = try ScheduleTimeZone(identifier: "Asia/Kolkata")
        #expect(kolkata.offsetSeconds(at: utc("2026-07-01T00:00:00Z")) == 19_800)
        let lordHowe = try ScheduleTimeZone(identifier: "Australia/Lord_Howe")
        #expect(lordHowe.offsetSeconds(at: utc("2026-07-01T00:00:00Z")) == 37_800)
        #expect(lordHowe.offsetSeconds(at: utc("2026-12-01T00:00:00Z")) == 39_600)
        let newYork = try ScheduleTimeZone(identifier: "America/New_York")
        #expect(newYork.nextTransition(after: utc("2026-01-01T00:00:00Z"))?.rfc3339 == "2026-03-08T07:00:00.000000Z")
        #expect(newYork.nextTransition(after: utc("2026-03-08T07:00:00Z"))?.rfc3339 == "2026-11-01T06:00:00.000000Z")
        #expect(ScheduleTimeZone.utc.offsetSeconds(at: utc("2026-07-01T00:00:00Z")) == 0)
        let berlin = try ScheduleTimeZone(identifier: "Europe/Berlin")
        #expect(berlin.offsetSeconds(at: Timestamp(microseconds: .max)) == 3600, "asked as year 10000: winter")
        #expect(berlin.nextTransition(after: Timestamp(microseconds: .max)) == nil)
        #expect(berlin.nextTransition(after: Timestamp(microseconds: .min)).map { $0 < utc("1900-01-01T00:00:00Z") } == true)
    }

    // MARK: Runs

    @Test("UTC: runs are whole minutes strictly after the instant")
    func utcSequences() throws {
        let quarterHours = try schedule("*/15 * * * *", "UTC")
        #expect(
            quarterHours.runs(after: utc("2026-05-10T10:07:30.5Z"), count: 4).map(\.rfc3339) == [
                "2026-05-10T10:15:00.000000Z", "2026-05-10T10:30:00.000000Z", "2026-05-10T10:45:00.000000Z",
                "2026-05-10T11:00:00.000000Z",
            ])
        #expect(quarterHours.nextRun(after: utc("2026-05-10T10:15:00Z"))?.rfc3339 == "2026-05-10T10:30:00.000000Z")
        #expect(quarterHours.nextRun(after: utc("2026-05-10T10:14:59.999999Z"))?.rfc3339 == "2026-05-10T10:15:00.000000Z")
        let everyMinute = try schedule("* * * * *", "UTC")
        #expect(everyMinute.nextRun(after: utc("2026-12-31T23:59:00Z"))?.rfc3339 == "2027-01-01T00:00:00.000000Z")
        let workdays = try schedule("30 9 * * MON-FRI", "UTC")
        #expect(
            workdays.runs(after: utc("2026-03-06T10:00:00Z"), count: 2).map(\.rfc3339) == [
                "2026-03-09T09:30:00.000000Z", "2026-03-10T09:30:00.000000Z",
            ], "Friday after 09:30 goes to Monday")
        let newYear = try schedule("@yearly", "UTC")
        #expect(newYear.nextRun(after: utc("2026-01-01T00:00:00Z"))?.rfc3339 == "2027-01-01T00:00:00.000000Z")
    }

    @Test("month ends: the 31st skips short months, February 29 waits for a leap year")
    func monthEnds() throws {
        let lastDays = try schedule("0 0 31 * *", "UTC")
        #expect(
            lastDays.runs(after: utc("2026-01-01T00:00:00Z"), count: 4).map(\.rfc3339) == [
                "2026-01-31T00:00:00.000000Z", "2026-03-31T00:00:00.000000Z", "2026-05-31T00:00:00.000000Z",
                "2026-07-31T00:00:00.000000Z",
            ])
        let leapDays = try schedule("0 0 29 2 *", "UTC")
        #expect(
            leapDays.runs(after: utc("2026-01-01T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2028-02-29T00:00:00.000000Z", "2032-02-29T00:00:00.000000Z", "2036-02-29T00:00:00.000000Z",
            ])
        #expect(leapDays.nextRun(after: utc("2096-03-01T00:00:00Z"))?.rfc3339 == "2104-02-29T00:00:00.000000Z", "2100 is no leap year")
        #expect(leapDays.nextRun(after: utc("1999-01-01T00:00:00Z"))?.rfc3339 == "2000-02-29T00:00:00.000000Z", "2000 is one")
    }

    @Test("expressions no date matches return nil at once", arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 2 *"])
    func neverRuns(text: String) throws {
        let never = try schedule(text, "Europe/Berlin")
        let expression = never.expression
        #expect(!expression.canEverMatch)
        let start = ContinuousClock.now
        #expect(never.nextRun(after: utc("2026-01-01T00:00:00Z")) == nil)
        #expect(never.runs(after: utc("0001-01-01T00:00:00Z"), count: 10) == [])
        #expect(ContinuousClock.now - start < .milliseconds(100))
    }

    @Test("the search ends at year 9999 and clamps extreme instants")
    func searchBounds() throws {
        let leapDays = try schedule("0 0 29 2 *", "UTC")
        #expect(leapDays.nextRun(after: utc("9996-03-01T00:00:00Z")) == nil, "9996 is the last leap year before 10000")
        #expect(leapDays.nextRun(after: Timestamp(microseconds: .min))?.rfc3339 == "0004-02-29T00:00:00.000000Z")
        let everyMinute = try schedule("* * * * *", "America/New_York")
        #expect(everyMinute.nextRun(after: Timestamp(microseconds: .max)) == nil)
        #expect(everyMinute.nextRun(after: Timestamp.supported.upperBound) == nil)
        let late = try #require(everyMinute.nextRun(after: utc("9999-12-31T23:00:00Z")))
        #expect(late.isSupported)
        let lastYear = try schedule("59 23 31 12 *", "Pacific/Kiritimati")
        #expect(lastYear.nextRun(after: utc("9999-06-01T00:00:00Z"))?.rfc3339 == "9999-12-31T09:59:00.000000Z")
        let behindUTC = try schedule("59 23 31 12 *", "America/New_York")
        #expect(behindUTC.nextRun(after: utc("9999-06-01T00:00:00Z")) == nil, "23:59 in New York is already year 10000 in UTC")
    }

    @Test("runs(after:count:) is strictly increasing and clamps count")
    func runsList() throws {
        let schedule = try schedule("*/7 */5 * * *", "Europe/Berlin")
        let runs = schedule.runs(after: utc("2026-03-28T00:00:00Z"), count: 500)
        #expect(runs.count == 500)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0 < $1 })
        #expect(runs.allSatisfy { $0.microseconds % 60_000_000 == 0 })
        #expect(schedule.runs(after: utc("2026-03-28T00:00:00Z"), count: 0) == [])
        #expect(schedule.runs(after: utc("2026-03-28T00:00:00Z"), count: -5) == [])
        #expect(schedule.runs(after: utc("2026-03-28T00:00:00Z"), count: .max).count == CronSchedule.maxListedRuns)
    }

    // MARK: Daylight saving

    @Test("spring forward in New York: 02:30 runs once, at 03:00 new time")
    func newYorkSpringForward() throws {
        // 2026-03-08 02:00 EST (07:00Z) becomes 03:00 EDT.
        let halfPastTwo = try schedule("30 2 * * *", "America/New_York")
        #expect(
            halfPastTwo.runs(after: utc("2026-03-07T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-03-07T07:30:00.000000Z", "2026-03-08T07:00:00.000000Z", "2026-03-09T06:30:00.000000Z",
            ])
        #expect(halfPastTwo.nextRun(after: utc("2026-03-08T06:59:59Z"))?.rfc3339 == "2026-03-08T07:00:00.000000Z")
        #expect(halfPastTwo.nextRun(after: utc("2026-03-08T07:00:00Z"))?.rfc3339 == "2026-03-09T06:30:00.000000Z")
    }

    @Test("spring forward in Berlin: 02:30 runs once, at 03:00 new time")
    func berlinSpringForward() throws {
        // 2026-03-29 02:00 CET (01:00Z) becomes 03:00 CEST.
        let halfPastTwo = try schedule("30 2 * * *", "Europe/Berlin")
        #expect(
            halfPastTwo.runs(after: utc("2026-03-28T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-03-28T01:30:00.000000Z", "2026-03-29T01:00:00.000000Z", "2026-03-30T00:30:00.000000Z",
            ])
    }

    @Test("every matching time inside the gap collapses into one run at its end", arguments: [
        ("America/New_York", "2026-03-08T05:00:00Z", "2026-03-08T07:00:00.000000Z"),
        ("Europe/Berlin", "2026-03-28T23:00:00Z", "2026-03-29T01:00:00.000000Z"),
    ])
    func gapCollapses(zone: String, dayStart: String, gapEnd: String) throws {
        let quarterHours = try schedule("*/15 2 * * *", zone)
        let runs = quarterHours.runs(after: utc(dayStart), count: 5)
        #expect(runs.first?.rfc3339 == gapEnd)
        let sameDay = runs.filter { $0 < utc(dayStart).adding(seconds: 86_400) }
        #expect(sameDay.count == 1, "\(runs)")
        // When 03:00 matches as well, it is the same instant and still one run; 03:30 follows.
        let twoAndThree = try schedule("0,30 2,3 * * *", zone)
        let both = twoAndThree.runs(after: utc(dayStart), count: 2)
        #expect(both.map(\.rfc3339) == [gapEnd, utc(gapEnd).adding(seconds: 1800).rfc3339])
    }

    @Test("fall back in New York: 01:30 runs once, the first time")
    func newYorkFallBack() throws {
        // 2026-11-01 02:00 EDT (06:00Z) becomes 01:00 EST: 01:00–01:59 happen twice.
        let halfPastOne = try schedule("30 1 * * *", "America/New_York")
        #expect(
            halfPastOne.runs(after: utc("2026-10-31T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-10-31T05:30:00.000000Z", "2026-11-01T05:30:00.000000Z", "2026-11-02T06:30:00.000000Z",
            ])
        // Asked during the second 01:xx hour, the repeated 01:30 is not run again.
        #expect(halfPastOne.nextRun(after: utc("2026-11-01T06:10:00Z"))?.rfc3339 == "2026-11-02T06:30:00.000000Z")
        #expect(halfPastOne.nextRun(after: utc("2026-11-01T05:29:59Z"))?.rfc3339 == "2026-11-01T05:30:00.000000Z")
    }

    @Test("fall back: every half hour through the night, no instant twice, none out of order")
    func fallBackHalfHours() throws {
        let halfHours = try schedule("*/30 * * * *", "America/New_York")
        let runs = halfHours.runs(after: utc("2026-11-01T03:30:00Z"), count: 8)
        #expect(
            runs.map(\.rfc3339) == [
                "2026-11-01T04:00:00.000000Z", "2026-11-01T04:30:00.000000Z",  // 00:00, 00:30 EDT
                "2026-11-01T05:00:00.000000Z", "2026-11-01T05:30:00.000000Z",  // 01:00, 01:30 EDT
                "2026-11-01T07:00:00.000000Z", "2026-11-01T07:30:00.000000Z",  // 02:00, 02:30 EST
                "2026-11-01T08:00:00.000000Z", "2026-11-01T08:30:00.000000Z",
            ])
        #expect(Set(runs).count == runs.count)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0 < $1 })
        // From anywhere inside the repeated hour the next run is 02:00 EST.
        for minute in stride(from: 0, to: 60, by: 7) {
            let inside = utc("2026-11-01T06:00:00Z").adding(seconds: Double(minute * 60))
            #expect(halfHours.nextRun(after: inside)?.rfc3339 == "2026-11-01T07:00:00.000000Z")
        }
    }

    @Test("Asia/Kolkata: a +05:30 offset")
    func kolkata() throws {
        let nine = try schedule("0 9 * * *", "Asia/Kolkata")
        #expect(
            nine.runs(after: utc("2026-03-28T12:00:00Z"), count: 2).map(\.rfc3339) == [
                "2026-03-29T03:30:00.000000Z", "2026-03-30T03:30:00.000000Z",
            ])
        let quarters = try schedule("*/45 0 * * *", "Asia/Kolkata")
        #expect(
            quarters.runs(after: utc("2026-06-01T00:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-06-01T18:30:00.000000Z", "2026-06-01T19:15:00.000000Z", "2026-06-02T18:30:00.000000Z",
            ])
    }

    @Test("Australia/Lord_Howe: a 30-minute daylight-saving shift")
    func lordHowe() throws {
        // 2026-10-04 02:00 (+10:30, 2026-10-03T15:30Z) becomes 02:30 (+11): 02:00–02:29 are skipped.
        let quarterPastTwo = try schedule("15 2 * * *", "Australia/Lord_Howe")
        #expect(
            quarterPastTwo.runs(after: utc("2026-10-02T12:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-10-02T15:45:00.000000Z", "2026-10-03T15:30:00.000000Z", "2026-10-04T15:15:00.000000Z",
            ])
        // 2026-04-05 02:00 (+11, 2026-04-04T15:00Z) becomes 01:30 (+10:30): 01:30–01:59 happen twice.
        let quarterToTwo = try schedule("45 1 * * *", "Australia/Lord_Howe")
        #expect(
            quarterToTwo.runs(after: utc("2026-04-03T12:00:00Z"), count: 3).map(\.rfc3339) == [
                "2026-04-03T14:45:00.000000Z", "2026-04-04T14:45:00.000000Z", "2026-04-05T15:15:00.000000Z",
            ])
        let tenMinutes = try schedule("*/10 1-2 * * *", "Australia/Lord_Howe")
        let night = tenMinutes.runs(after: utc("2026-04-04T13:30:00Z"), count: 12)
        #expect(
            night.map(\.rfc3339) == [
                "2026-04-04T14:00:00.000000Z", "2026-04-04T14:10:00.000000Z", "2026-04-04T14:20:00.000000Z",  // 01:00–01:20 (+11)
                "2026-04-04T14:30:00.000000Z", "2026-04-04T14:40:00.000000Z", "2026-04-04T14:50:00.000000Z",  // 01:30–01:50, first time
                "2026-04-04T15:30:00.000000Z", "2026-04-04T15:40:00.000000Z", "2026-04-04T15:50:00.000000Z",  // 02:00–02:20 (+10:30)
                "2026-04-04T16:00:00.000000Z", "2026-04-04T16:10:00.000000Z", "2026-04-04T16:20:00.000000Z",
            ])
    }

    @Test("a whole year of half hours in Berlin: one run per wall-clock time, the skipped hour folded into 03:00")
    func berlinYear() throws {
        let halfHours = try schedule("*/30 * * * *", "Europe/Berlin")
        let start = utc("2025-12-31T23:00:00Z")  // 2026-01-01T00:00 CET
        let end = utc("2026-12-31T23:00:00Z")  // 2027-01-01T00:00 CET
        var runs: [Timestamp] = []
        var cursor = start.adding(microseconds: -1)
        while let next = halfHours.nextRun(after: cursor), next < end {
            runs.append(next)
            cursor = next
        }
        // 365 days of 48 half hours; 02:00 and 02:30 on 29 March do not exist and fold into 03:00,
        // which runs anyway; 02:00 and 02:30 on 25 October happen twice and run once.
        #expect(runs.count == 365 * 48 - 2)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0 < $1 })
        #expect(runs == referenceRuns(halfHours, from: start.adding(seconds: -60), to: end))
        // The day of the spring change has 46 runs, the day of the autumn change 48, spread over 25 hours.
        #expect(runs.filter { $0 >= utc("2026-03-28T23:00:00Z") && $0 < utc("2026-03-29T22:00:00Z") }.count == 46)
        #expect(runs.filter { $0 >= utc("2026-10-24T22:00:00Z") && $0 < utc("2026-10-25T23:00:00Z") }.count == 48)
    }

    @Test(
        "around every 2026 change, nextRun from any minute agrees with a minute-by-minute walk",
        arguments: [
            ("*/15 2 * * *", "America/New_York"), ("*/30 * * * *", "America/New_York"), ("0 1,2,3 * * *", "America/New_York"),
            ("* 1-3 * * *", "Europe/Berlin"), ("0,30 2 * * *", "Europe/Berlin"), ("59 2 * * SUN", "Europe/Berlin"),
            ("*/10 1-2 * * *", "Australia/Lord_Howe"), ("15,45 * * * *", "Australia/Lord_Howe"),
            ("*/7 * * * *", "Asia/Kolkata"), ("0,30 23,0 * * *", "America/Santiago"), ("*/20 0 * * *", "America/Havana"),
        ])
    func agreesWithReference(cron: String, zone: String) throws {
        let schedule = try schedule(cron, zone)
        var windows: [Timestamp] = []
        var cursor = utc("2026-01-01T00:00:00Z")
        while let change = schedule.timeZone.nextTransition(after: cursor), change < utc("2027-01-01T00:00:00Z") {
            windows.append(change)
            cursor = change
        }
        if windows.isEmpty { windows.append(utc("2026-06-15T00:00:00Z")) }
        for change in windows {
            let from = change.adding(seconds: -2 * 86_400)
            let to = change.adding(seconds: 2 * 86_400)
            let reference = referenceRuns(schedule, from: from, to: to)
            var walked: [Timestamp] = []
            var at = from
            while let next = schedule.nextRun(after: at), next < to {
                walked.append(next)
                at = next
            }
            #expect(walked == reference, "\(cron) in \(zone) around \(change)")
            // From every minute (and half minute) of the day around the change, the next run is the
            // reference's first run after it.
            for minute in 0..<(24 * 60) {
                for extra in [0.0, 30.0] {
                    let after = change.adding(seconds: Double((minute - 12 * 60) * 60) + extra)
                    let expected = reference.first { $0 > after }
                    guard let expected else { continue }
                    #expect(schedule.nextRun(after: after) == expected, "\(cron) in \(zone) after \(after)")
                }
            }
        }
    }

    @Test("a typical nextRun takes microseconds, not a scan of minutes")
    func speed() throws {
        let yearly = try schedule("0 0 1 1 *", "Europe/Berlin")
        let workdays = try schedule("*/5 9-17 * * MON-FRI", "America/New_York")
        let start = utc("2026-01-01T00:00:00Z")
        let clock = ContinuousClock()
        var found = 0
        let elapsed = clock.measure {
            for step in 0..<2000 {
                let after = start.adding(seconds: Double(step) * 3_607)
                if yearly.nextRun(after: after) != nil { found += 1 }
                if workdays.nextRun(after: after) != nil { found += 1 }
            }
        }
        #expect(found == 4000)
        // A minute-by-minute scan would need ~250,000 steps per yearly call; this budget (250 µs a
        // call, in a debug build on a busy machine) is far above the few µs the search takes.
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }
}

// MARK: Helpers

private func utc(_ text: String) -> Timestamp {
    guard let timestamp = Timestamp(rfc3339: text) else { fatalError("bad test timestamp \(text)") }
    return timestamp
}

private func schedule(_ cron: String, _ zone: String) throws -> CronSchedule {
    try CronSchedule(cron: cron, timeZone: zone)
}

private func cronProblem(_ text: String) -> FieldError? {
    do {
        _ = try CronExpression(text)
        return nil
    } catch {
        #expect(error.fieldErrors.count == 1)
        return error.fieldErrors.first
    }
}

/// The runs in (from, to), found the slow and obvious way, as an oracle for `nextRun`: walk every
/// UTC minute, read the zone's clock, and run at an instant when the clock has just reached, for the
/// first time, a wall-clock minute the expression matches. A jump forward reaches all minutes of the
/// gap at once (one run); a fall back reaches nothing new until the clock passes where it was.
/// Needs offsets in whole minutes, which every zone has had since the 1970s.
private func referenceRuns(_ schedule: CronSchedule, from: Timestamp, to: Timestamp) -> [Timestamp] {
    func wallClock(_ instant: Timestamp) -> Int64 {
        instant.microseconds / 1_000_000 + Int64(schedule.timeZone.offsetSeconds(at: instant))
    }
    precondition(from.microseconds % 60_000_000 == 0)
    // Start a day early so a fall back just before `from` is already behind the walk.
    var instant = from.adding(seconds: -86_400)
    var reached = wallClock(instant)
    var runs: [Timestamp] = []
    while instant < to {
        instant = instant.adding(seconds: 60)
        let shown = wallClock(instant)
        guard shown > reached else { continue }
        var minute = reached + 60
        var matched = false
        while minute <= shown, !matched {
            let (year, month, day, hour, minuteOfHour) = civil(minute)
            matched = schedule.expression.matches(year: year, month: month, day: day, hour: hour, minute: minuteOfHour)
            minute += 60
        }
        reached = shown
        if matched, instant > from, instant < to { runs.append(instant) }
    }
    return runs
}

/// Wall-clock seconds to calendar fields (Howard Hinnant's civil_from_days), kept apart from the code
/// under test.
private func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int) {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (Int(year), Int(month), Int(day), Int(secondOfDay / 3600), Int(secondOfDay / 60 % 60))
}

/// A small deterministic generator, so the random-text test fails the same way every time.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Cron pattern")
struct CronPatternTests {
    static let regex = try! NSRegularExpression(pattern: CronExpression.pattern)

    static func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    static func parses(_ text: String) -> Bool {
        (try? CronExpression(text)) != nil
    }

    @Test("every expression the parser accepts matches the documented pattern")
    func superset() {
        let known = [
            "* * * * *", "*/15 2 * * *", "0 9 * * MON-FRI", "0 0 29 2 *", "30 2 * * *", "5,10-20/3 1-23/2 1,15,31 JAN-dec/2 sun,Sat",
            "00 07 01 01 00", " \t0  0 *\t* 7 ", "@daily", "@Hourly", "0 0 1/5 * *", "59 23 31 12 7", "MON/2 * * * *",
        ]
        for text in known where Self.parses(text) {
            #expect(Self.matches(text), "\(text)")
        }
        // Random expressions near the grammar (numbers in and out of range, padded, names in any
        // case, ranges either way, steps): whatever the parser accepts, the pattern must match.
        var generator = SystemRandomNumberGenerator()
        let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
        let names = [[], [], [], ["jan", "DEC", "Jun", "sep"], ["MON", "fri", "Sun", "SAT"]]
        // Mostly in the field's range (one in ten anywhere up to 64), sometimes padded.
        func number(_ field: Int) -> String {
            let n = Int.random(in: 0..<10, using: &generator) == 0 ? Int.random(in: 0...64, using: &generator) : Int.random(in: ranges[field], using: &generator)
            return (Int.random(in: 0..<4, using: &generator) == 0 ? "0" : "") + String(n)
        }
        func value(_ field: Int) -> String {
            Int.random(in: 0..<3, using: &generator) == 0 ? (names[field] + ["xyz"]).randomElement(using: &generator)! : number(field)
        }
        func item(_ field: Int) -> String {
            var base: String
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: base = "*"
            case 1: base = value(field)
            default: base = value(field) + "-" + value(field)
            }
            if Bool.random(using: &generator) { base += "/" + number(field) }
            return base
        }
        func field(_ index: Int) -> String {
            (0..<Int.random(in: 1...3, using: &generator)).map { _ in item(min(index, 4)) }.joined(separator: ",")
        }
        var accepted = 0
        for _ in 0..<20_000 {
            let separators = [" ", "\t", "  "]
            var text = field(0)
            for index in 1...(Int.random(in: 0..<10, using: &generator) == 0 ? 5 : 4) {
                text += separators.randomElement(using: &generator)! + field(index)
            }
            if Self.parses(text) {
                accepted += 1
                #expect(Self.matches(text), "the parser accepts `\(text)` but the pattern does not")
            } else if Self.matches(text) {
                // Only a backwards range may match and still be refused.
                #expect(text.contains("-"), "the pattern matches `\(text)`, which the parser refuses")
            }
        }
        #expect(accepted > 100, "the random texts exercised the parser's acceptance (\(accepted))")
    }

    @Test("what the pattern refuses, the parser refuses too; most of what it matches parses")
    func tight() {
        for text in ["", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "@reboot", "a b c d e"] {
            #expect(!Self.matches(text) && !Self.parses(text), "\(text)")
        }
        // A backwards range matches the pattern but not the parser: the one thing a regular
        // expression here does not say.
        #expect(Self.matches("5-1 * * * *") && !Self.parses("5-1 * * * *"))
    }
}
