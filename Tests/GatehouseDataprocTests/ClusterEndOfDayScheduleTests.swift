import Foundation
import GatehouseDataproc
import Testing

/// The end-of-day teardown fires once per day, whatever the wall clock does between checks.
@Suite("End-of-day schedule across clock jumps")
struct ClusterEndOfDayScheduleTests {
    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
    static let hour: TimeInterval = 3600
    /// 2026-12-06 10:00 UTC.
    static let morning = Date(timeIntervalSince1970: 1_796_551_200)

    /// A schedule for 18:00 made at 10:00, asked whether to fire at each of `hours` after 10:00, in order.
    static func fired(at hours: [TimeInterval]) throws -> (answers: [Bool], next: Date) {
        var schedule = ClusterEndOfDaySchedule(try #require(ClusterEndOfDay("18:00")), now: morning, calendar: calendar)
        let answers = hours.map { schedule.fire(now: morning.addingTimeInterval($0 * hour)) }
        return (answers, schedule.deadline)
    }

    @Test func firesOnceAtTheTimeOfDay() throws {
        let (answers, next) = try Self.fired(at: [8 - 1 / Self.hour, 8, 8 + 1 / Self.hour])
        #expect(answers == [false, true, false], "at 18:00, and not twice")
        #expect(next == Self.morning.addingTimeInterval(32 * Self.hour), "next: tomorrow's")
    }

    @Test func aJumpForwardPastSeveralDaysFiresOnce() throws {
        // Two and a half days asleep: woken at 22:00.
        let (answers, next) = try Self.fired(at: [60, 60 + 1 / Self.hour])
        #expect(answers == [true, false], "one teardown for the days slept through")
        #expect(next == Self.morning.addingTimeInterval(80 * Self.hour), "the next evening after the wake")
    }

    @Test func aClockSetBackAfterTheTeardownDoesNotRepeatIt() throws {
        // Torn down at 18:01; NTP steps the clock back to 17:01, and it reaches 18:01 again.
        let (answers, _) = try Self.fired(at: [8 + 1 / 60, 7 + 1 / 60, 8 + 1 / 60])
        #expect(answers == [true, false, false], "the same evening is not torn down twice")
    }

    @Test func aClockSetBackBeforeTheTeardownDelaysItToTheWallClockTime() throws {
        // 17:00, stepped back to 16:00, then 18:00 by the corrected clock.
        let (answers, _) = try Self.fired(at: [7, 6, 8])
        #expect(answers == [false, false, true])
    }

    @Test func pausesAreShortSoAJumpIsNoticed() throws {
        let schedule = ClusterEndOfDaySchedule(try #require(ClusterEndOfDay("18:00")), now: Self.morning, calendar: Self.calendar)
        #expect(schedule.pause(now: Self.morning) == ClusterEndOfDaySchedule.maxPause, "8 hours away: check again within 30 s")
        #expect(schedule.pause(now: Self.morning.addingTimeInterval(8 * Self.hour - 5)) == 5)
        #expect(schedule.pause(now: Self.morning.addingTimeInterval(9 * Self.hour)) == 1, "overdue: at once, but never a busy loop")
    }
}
