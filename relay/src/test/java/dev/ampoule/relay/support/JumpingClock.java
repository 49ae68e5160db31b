package dev.ampoule.relay.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock, set forward or back on request (as NTP or an operator might). */
public final class JumpingClock extends Clock {

    private final AtomicLong offsetMillis = new AtomicLong();

    /** Sets the clock {@code by} away from the real time (negative: back). */
    public void jump(Duration by) {
        offsetMillis.set(by.toMillis());
    }

    @Override
    public long millis() {
        return System.currentTimeMillis() + offsetMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
