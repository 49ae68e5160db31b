package dev.ampoule.relay.ds;

/** A token bucket: {@code rate} tokens per second up to {@code burst}. Not thread-safe. */
public final class TokenBucket {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;

    public TokenBucket(double perSecond, double burst, long nowNanos) {
        this.ratePerNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    /** Takes one token if there is one. */
    public boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Milliseconds until a token is available (at least 1). */
    public long millisUntilNext(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - tokens) / ratePerNano / 1e6));
    }

    private void refill(long now) {
        long elapsed = Math.max(0, now - last);
        last = now;
        tokens = Math.min(burst, tokens + elapsed * ratePerNano);
    }
}
