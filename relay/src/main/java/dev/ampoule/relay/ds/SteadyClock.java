package dev.ampoule.relay.ds;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.function.LongSupplier;

/**
 * The time the Delivery Service stamps messages with and measures retention by: the wall clock,
 * except that it never goes back and never runs ahead of the time that really passed (a monotonic
 * counter). A wall clock set back does not stamp new messages with old times (which a TTL would
 * then drop early), and one set forward does not expire messages early; after a jump, this clock
 * follows the time that passes until the wall clock agrees with it again. KeyPackage lifetimes,
 * which clients set in absolute time, are checked against the wall clock itself.
 */
final class SteadyClock extends Clock {

    private final Clock wall;
    private final LongSupplier nanos;
    private long last;
    private long lastNanos;

    SteadyClock(Clock wall, LongSupplier monotonicNanos) {
        this.wall = wall;
        this.nanos = monotonicNanos;
        this.last = wall.millis();
        this.lastNanos = monotonicNanos.getAsLong();
    }

    static SteadyClock of(Clock wall) {
        return new SteadyClock(wall, System::nanoTime);
    }

    @Override
    public synchronized long millis() {
        long n = nanos.getAsLong();
        long passed = Math.max(0, (n - lastNanos) / 1_000_000);
        long now = Math.max(last, Math.min(wall.millis(), last + passed));
        if (now > last) {
            lastNanos += (now - last) * 1_000_000;
        }
        last = now;
        return now;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return wall.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new SteadyClock(wall.withZone(zone), nanos);
    }
}
