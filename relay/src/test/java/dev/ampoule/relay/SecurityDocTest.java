package dev.ampoule.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.AdminApi;
import dev.ampoule.relay.audit.AuditQuery;
import dev.ampoule.relay.audit.CoalescingAuditSink;
import dev.ampoule.relay.auth.JwtTokenVerifier;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.gateway.Gateway;
import dev.ampoule.relay.roster.Roster;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SECURITY.md's limits match the code: every row of its tables under "Limits that protect the
 * relay" names a setting of {@link RelayConfig} (whose default it gives) or a constant
 * {@code Class.FIELD} (whose value it gives), and the first number of the row's value is that
 * default or value (durations in the unit the setting's name or the row says). The README links it.
 */
class SecurityDocTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z_.]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);
    private static final Pattern NUMBER = Pattern.compile("\\d[\\d,]*");
    private static final Map<String, Class<?>> CLASSES = Map.of(
            "AdminApi", AdminApi.class,
            "AuditQuery", AuditQuery.class,
            "Roster", Roster.class,
            "JwtTokenVerifier", JwtTokenVerifier.class,
            "Gateway", Gateway.class,
            "Session", classOf("dev.ampoule.relay.gateway.Session"),
            "AuditLines", classOf("dev.ampoule.relay.audit.AuditLines"),
            "CoalescingAuditSink", CoalescingAuditSink.class,
            "BlobService", dev.ampoule.relay.blob.BlobService.class,
            "RecordShares", dev.ampoule.relay.history.RecordShares.class);

    private static Class<?> classOf(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private static String limitsSection() throws Exception {
        String doc = Files.readString(ROOT.resolve("SECURITY.md"), StandardCharsets.UTF_8);
        int start = doc.indexOf("## Limits that protect the relay");
        assertTrue(start >= 0, "SECURITY.md has its limits section");
        int end = doc.indexOf("\n## ", start + 3);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    /** The value the code has for {@code key}, as a number in the row's unit. */
    private static long valueOf(String key, String cell) throws Exception {
        int dot = key.indexOf('.');
        Object value;
        String unit;
        if (dot > 0) {
            Class<?> c = CLASSES.get(key.substring(0, dot));
            if (c == null) {
                throw new AssertionError("SECURITY.md names a class the test does not know: " + key);
            }
            Field f = c.getDeclaredField(key.substring(dot + 1));
            f.setAccessible(true);
            value = f.get(null);
            unit = cell.contains(" s") ? "Seconds" : "";
        } else {
            RelayConfig config = RelayConfig.from(new JsonObject(), Map.of());
            String field = key;
            unit = "";
            for (String u : List.of("Seconds", "Hours")) {
                if (key.endsWith(u) && !hasField(key)) {
                    field = key.substring(0, key.length() - u.length());
                    unit = u;
                }
            }
            value = RelayConfig.class.getField(field).get(config);
        }
        return switch (value) {
            case Integer i -> i;
            case Long l -> l;
            case Duration d -> switch (unit) {
                case "Seconds" -> d.toSeconds();
                case "Hours" -> d.toHours();
                default -> throw new AssertionError(key + ": a duration needs its unit in the name or the row");
            };
            default -> throw new AssertionError(key + " is not a number: " + value);
        };
    }

    private static boolean hasField(String name) {
        try {
            RelayConfig.class.getField(name);
            return true;
        } catch (NoSuchFieldException e) {
            return false;
        }
    }

    @Test
    void everyLimitInSecurityMdIsTheCodesDefault() throws Exception {
        Matcher rows = ROW.matcher(limitsSection());
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        while (rows.find()) {
            String key = rows.group(1);
            String cell = rows.group(2);
            Matcher n = NUMBER.matcher(cell);
            assertTrue(n.find(), key + ": no number in " + cell);
            long documented = Long.parseLong(n.group().replace(",", ""));
            long actual = valueOf(key, cell);
            if (documented != actual) {
                wrong.add(key + ": SECURITY.md says " + documented + ", the code " + actual);
            }
            checked++;
        }
        assertEquals(List.of(), wrong);
        assertTrue(checked >= 35, "rows checked: " + checked);
    }

    @Test
    void theReadmeLinksIt() throws Exception {
        assertTrue(Files.readString(ROOT.resolve("README.md")).contains("](SECURITY.md)"));
    }
}
