package dev.ampoule.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Records the frames test devices exchange with the relay, one file per distinct frame named by its
 * SHA-256, into the directory named by the system property {@value #PROPERTY} (unset: nothing is
 * recorded). {@code bin/fuzz --record-frames} runs relay tests with it to seed the frame decoder's
 * fuzzing corpus with real sessions. Authenticate frames (they carry a token) are never recorded.
 */
public final class FrameRecorder {

    public static final String PROPERTY = "ampoule.recordFrames";
    private static final int AUTHENTICATE = 0x01;
    private static final Path DIR = dir();

    private FrameRecorder() {
    }

    /** Records one encoded frame, if recording. */
    public static void record(byte[] frame) {
        if (DIR == null || frame.length < 3 || frame[2] == AUTHENTICATE) {
            return;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(frame);
            Path file = DIR.resolve(HexFormat.of().formatHex(digest, 0, 20));
            if (!Files.exists(file)) {
                Files.write(file, frame);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path dir() {
        String d = System.getProperty(PROPERTY);
        if (d == null || d.isBlank()) {
            return null;
        }
        try {
            return Files.createDirectories(Path.of(d));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
