package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The SDK is plain Java: none of its code refers to Vert.x (only its tests start relays). */
class PlainJavaTest {

    @Test
    void mainCodeDoesNotUseVertx() throws IOException {
        Path main = Path.of("src/main/java");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    return Files.readString(p).contains("io.vertx");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), offenders);
        assertEquals(false, Files.readString(Path.of("../relay-protocol/pom.xml")).contains("vertx"));
    }
}
