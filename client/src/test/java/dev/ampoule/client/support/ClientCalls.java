package dev.ampoule.client.support;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.client.AmpouleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** Small helpers of the SDK's end-to-end tests: a call's expected failure, files of random bytes. */
public final class ClientCalls {

    private ClientCalls() {
    }

    /** The {@link AmpouleException} a joined future fails with (an assertion error if it succeeds). */
    public static AmpouleException failure(Supplier<?> call) {
        try {
            call.get();
        } catch (CompletionException e) {
            return assertInstanceOf(AmpouleException.class, e.getCause());
        }
        throw new AssertionError("expected a failure");
    }

    /** A file {@code dir/name} of {@code size} random bytes (reproducible from {@code seed}). */
    public static Path randomFile(Path dir, String name, int size, int seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }
}
