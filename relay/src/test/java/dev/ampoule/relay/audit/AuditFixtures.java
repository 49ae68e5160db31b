package dev.ampoule.relay.audit;

import static dev.ampoule.relay.support.RelayHarness.await;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** Audit logs for tests: a settable clock, typical events, and line-level file edits. */
final class AuditFixtures {

    private AuditFixtures() {
    }

    /** A clock tests move by hand. */
    static final class TestClock extends Clock {
        final AtomicLong millis;

        TestClock(Instant start) {
            millis = new AtomicLong(start.toEpochMilli());
        }

        void set(Instant t) {
            millis.set(t.toEpochMilli());
        }

        void advanceMillis(long ms) {
            millis.addAndGet(ms);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public long millis() {
            return millis.get();
        }
    }

    /** Runs {@code c} on an event loop of {@code vertx} and returns its result. */
    static <T> T onEventLoop(Vertx vertx, Callable<T> c) {
        Promise<T> p = Promise.promise();
        vertx.runOnContext(v -> {
            try {
                p.complete(c.call());
            } catch (Exception e) {
                p.fail(e);
            }
        });
        return await(p.future());
    }

    static FileAuditLog open(Vertx vertx, Path dataDir, Clock clock) {
        return await(FileAuditLog.open(vertx, dataDir, FileAuditLog.Options.defaults().withClock(clock)));
    }

    static FileAuditLog open(Vertx vertx, Path dataDir) {
        return open(vertx, dataDir, Clock.systemUTC());
    }

    /** Event {@code i} of a varied, typical sequence (ids only). */
    static AuditEvent event(int i) {
        return switch (i % 4) {
            case 0 -> AuditEvent.of(AuditType.MEMBER_ADDED, "coord-" + (i % 3), "team-" + (i % 2), "user-" + i,
                    Map.of("role", "practitioner"));
            case 1 -> AuditEvent.of(AuditType.LOGIN, "user-" + i, null, "user-" + i, Map.of("device", "phone"));
            case 2 -> AuditEvent.of(AuditType.COMMIT_ACCEPTED, "user-" + (i - 1), "team-" + (i % 2), null,
                    Map.of("epoch", Integer.toString(i), "seq", Integer.toString(i * 10), "device", "laptop"));
            default -> AuditEvent.of(AuditType.DELIVERED, "user-" + i, "team-" + (i % 2), null,
                    Map.of("device", "tablet", "seq", Integer.toString(i)));
        };
    }

    /** A closed log of {@code n} typical events under {@code dataDir}; returns the log file. */
    static Path writeLog(Vertx vertx, Path dataDir, int n) {
        FileAuditLog log = open(vertx, dataDir);
        for (int i = 0; i < n; i++) {
            await(log.record(event(i)));
        }
        await(log.close());
        return FileAuditLog.logFile(dataDir);
    }

    static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static void writeLines(Path file, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** The hash rule, written independently of the code under test: SHA-256 of the line without its hash member. */
    static String expectedHash(String line) {
        int at = line.lastIndexOf(",\"hash\":\"");
        String unhashed = line.substring(0, at) + "}";
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(unhashed.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Replaces the line's hash with the one its (edited) content gives. */
    static String rehash(String line) {
        int at = line.lastIndexOf(",\"hash\":\"");
        return line.substring(0, at) + ",\"hash\":\"" + expectedHash(line) + "\"}";
    }
}
