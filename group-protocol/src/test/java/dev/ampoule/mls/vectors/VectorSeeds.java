package dev.ampoule.mls.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Seed inputs for the fuzz tests, taken at test time from the official RFC 9420 vectors (read
 * unchanged from {@link TestVectors#dir()}; nothing is copied into the repository). A fuzz test
 * returns them from its {@code @MethodSource}: Jazzer replays them in the normal test run and, when
 * fuzzing ({@code JAZZER_FUZZ} set, see {@code bin/fuzz}), starts its corpus from them.
 *
 * <p>In the normal test run a fuzz test replays an evenly spread sample ({@link #spread}), so that
 * the regression run stays quick; when fuzzing, every seed is used.
 */
public final class VectorSeeds {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The MLSMessage fields of each vector file. */
    private static final Map<String, Set<String>> MLS_MESSAGES = Map.of(
            "messages.json", Set.of("mls_welcome", "mls_group_info", "mls_key_package", "public_message_application",
                    "public_message_proposal", "public_message_commit", "private_message"),
            "welcome.json", Set.of("key_package", "welcome"),
            "passive-client-welcome.json", Set.of("key_package", "welcome", "proposals", "commit"),
            "passive-client-handling-commit.json", Set.of("key_package", "welcome", "proposals", "commit"),
            "message-protection.json", Set.of("proposal_pub", "proposal_priv", "commit_pub", "commit_priv",
                    "application_priv"));

    private VectorSeeds() {}

    /** Whether Jazzer is fuzzing (rather than replaying its inputs in the normal test run). */
    public static boolean fuzzing() {
        String v = System.getenv("JAZZER_FUZZ");
        return v != null && !v.isEmpty();
    }

    /** All of {@code all} when fuzzing; otherwise at most {@code n} of them, evenly spread. */
    public static <T> List<T> spread(List<T> all, int n) {
        if (fuzzing() || all.size() <= n) {
            return all;
        }
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(all.get((int) ((long) i * all.size() / n)));
        }
        return out;
    }

    /** Every MLSMessage (RFC 9420 §6) the vectors hold: messages, Welcomes, GroupInfos, KeyPackages. */
    public static List<byte[]> mlsMessages() {
        List<byte[]> out = new ArrayList<>();
        MLS_MESSAGES.keySet().stream().sorted().forEach(file -> out.addAll(hexFields(file, MLS_MESSAGES.get(file))));
        return out;
    }

    /** A hex value of a vector, with the cipher suite of its case ({@code 0} when the file has none). */
    public record Field(String name, int cipherSuite, byte[] bytes) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    /**
     * The hex values named {@code names} anywhere in the cases of {@code file} (also inside nested
     * objects and arrays), in file order.
     */
    public static List<Field> fields(String file, Set<String> names) {
        JsonNode root = read(TestVectors.file(file));
        List<Field> out = new ArrayList<>();
        for (JsonNode c : root) {
            int suite = c.path("cipher_suite").asInt(0);
            collect(c, names, suite, out);
        }
        return out;
    }

    /** Like {@link #fields}, the bytes only. */
    public static List<byte[]> hexFields(String file, Set<String> names) {
        return fields(file, names).stream().map(Field::bytes).toList();
    }

    private static void collect(JsonNode node, Set<String> names, int suite, List<Field> out) {
        if (node.isArray()) {
            node.forEach(n -> collect(n, names, suite, out));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (names.contains(e.getKey())) {
                if (v.isTextual()) {
                    out.add(new Field(e.getKey(), suite, HexFormat.of().parseHex(v.asText())));
                } else if (v.isArray()) {
                    v.forEach(x -> {
                        if (x.isTextual()) {
                            out.add(new Field(e.getKey(), suite, HexFormat.of().parseHex(x.asText())));
                        }
                    });
                }
            } else if (v.isContainerNode()) {
                collect(v, names, suite, out);
            }
        }
    }

    private static JsonNode read(Path path) {
        try {
            return MAPPER.readTree(path.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test vectors " + path.toAbsolutePath(), e);
        }
    }
}
