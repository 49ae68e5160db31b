package dev.ampoule.loadtest;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The simulated devices of one run. Device {@code i} belongs to team {@code i / teamDevices}; user
 * {@code lt<run>-t<team>-u<u>}, device {@code d<j>}; team {@code t}'s group id is {@code lt-<run>-t<t>};
 * devices are spread over the event loops and over the targets round-robin. The reconnecting
 * devices are spread evenly (every {@code 1/share}-th device); every other device is a sender, and
 * message {@code k} goes out from sender {@code k mod senders}.
 */
final class Population {

    final List<SimDevice> devices = new ArrayList<>();
    final List<SimDevice> senders = new ArrayList<>();
    final List<List<SimDevice>> teams = new ArrayList<>();

    Population(Workload w, Vertx vertx, WebSocketClient client, LoadContext run) {
        CipherSuite suite = BcCipherSuites.of(w.suite());
        List<Context> contexts = new ArrayList<>();
        for (int i = 0; i < w.eventLoops(); i++) {
            contexts.add(vertx.getOrCreateContext());
        }
        double share = w.reconnectingShare();
        for (int t = 0; t < w.teams(); t++) {
            List<SimDevice> team = new ArrayList<>();
            Bytes groupId = groupId(w, t);
            for (int u = 0; u < w.teamSize(); u++) {
                String user = "lt" + w.runId() + "-t" + t + "-u" + u;
                for (int j = 0; j < w.devicesPerUser(); j++) {
                    int i = devices.size();
                    String device = "d" + j;
                    boolean reconnecting = Math.floor((i + 1) * share) > Math.floor(i * share);
                    URI target = w.targets().get(i % w.targets().size());
                    SimDevice d = new SimDevice(i, t, user, device, reconnecting, new Member(suite, user, device),
                            contexts.get(i % contexts.size()), client, target, run);
                    d.group(groupId);
                    devices.add(d);
                    team.add(d);
                    if (!reconnecting) {
                        senders.add(d);
                    }
                }
            }
            teams.add(team);
        }
    }

    static Bytes groupId(Workload w, int team) {
        return Bytes.wrap(("lt-" + w.runId() + "-t" + team).getBytes(StandardCharsets.UTF_8));
    }

    /** The sender of message {@code k}. */
    SimDevice sender(long k) {
        return senders.get((int) (k % senders.size()));
    }

    /**
     * Runs {@code op} for each item, at most {@code concurrency} at once, and waits for all of them
     * (at most {@code timeout}). The first failure is rethrown once everything has finished.
     */
    static <T> void each(List<T> items, int concurrency, Duration timeout, Function<T, Future<?>> op) {
        Semaphore slots = new Semaphore(concurrency);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<?>> all = new ArrayList<>();
        try {
            for (T item : items) {
                if (!slots.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new SetupException("timed out after " + timeout.toSeconds() + " s (" + all.size() + " of "
                            + items.size() + " started)");
                }
                Future<?> f = op.apply(item).andThen(ar -> slots.release());
                all.add(f);
            }
            Future.join(all).toCompletionStage().toCompletableFuture()
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SetupException("timed out after " + timeout.toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            // Future.join fails with the first failure once all are complete; reported below
        }
        for (Future<?> f : all) {
            if (f.failed()) {
                throw new SetupException(f.cause().getMessage() == null ? f.cause().toString() : f.cause().getMessage(),
                        f.cause());
            }
        }
    }

    /** The run could not be set up (a connection, a login, a group); nothing was measured. */
    static final class SetupException extends RuntimeException {
        SetupException(String message) {
            super(message);
        }

        SetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
