package dev.ampoule.mls.vectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Reads the official RFC 9420 test vectors, unchanged, from the directory named by the system
 * property {@code mls.vectors.dir} (default {@code ../shared/mls-test-vectors}).
 *
 * <p>Each file maps onto a record type with snake_case field names; {@code byte[]} fields are read
 * from lower-case hex, and JSON {@code null} stays {@code null}.
 */
public final class TestVectors {

    public static final String DIR_PROPERTY = "mls.vectors.dir";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(new SimpleModule().addDeserializer(byte[].class, new HexDeserializer()));

    private TestVectors() {}

    public static Path dir() {
        return Path.of(System.getProperty(DIR_PROPERTY, "../shared/mls-test-vectors"));
    }

    public static Path file(String name) {
        return dir().resolve(name);
    }

    /** Every case of a vector file as records of {@code type}. */
    public static <T> List<T> load(String fileName, Class<T> type) {
        Path path = file(fileName);
        try {
            return MAPPER.readValue(path.toFile(),
                    MAPPER.getTypeFactory().constructCollectionType(List.class, type));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test vectors " + path.toAbsolutePath(), e);
        }
    }

    /** Vector files in the directory whose names match a glob, e.g. {@code passive-client-*.json}. */
    public static List<String> matching(String glob) {
        try (Stream<Path> files = Files.list(dir())) {
            var matcher = dir().getFileSystem().getPathMatcher("glob:" + glob);
            return files.map(Path::getFileName).filter(matcher::matches).map(Path::toString).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir().toAbsolutePath(), e);
        }
    }

    /**
     * The suite for a case; a case for an unsupported suite is counted as skipped by
     * {@link VectorTally} and aborted.
     */
    public static CipherSuite suite(int wire) {
        var suite = BcCipherSuites.byWire(wire);
        Assumptions.assumeTrue(suite.isPresent(), "cipher suite " + wire + " not supported");
        return suite.get();
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static final class HexDeserializer extends JsonDeserializer<byte[]> {
        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return HexFormat.of().parseHex(p.getValueAsString());
        }
    }
}
