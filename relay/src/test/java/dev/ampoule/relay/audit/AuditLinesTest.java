package dev.ampoule.relay.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The canonical line: round trip, and malformed lines rejected with a reason (never a runtime exception). */
class AuditLinesTest {

    private static final String H = "a".repeat(64);
    private static final String Z = "0".repeat(64);

    @Test
    void encodeParseCheckRoundTrip() throws Exception {
        AuditEvent ev = AuditEvent.of(AuditType.COMMIT_REFUSED, "ana", "t-1", null,
                Map.of("code", "COMMIT_CONFLICT", "epoch", "3", "quote\"and\\slash", "tab\tnewline\nü"));
        AuditEntry e = AuditLines.encode(7, Instant.parse("2025-01-02T03:04:05.678912Z"), ev, H);
        assertFalse(e.jsonLine().contains("\n"), "one line whatever the values");
        assertEquals(Instant.parse("2025-01-02T03:04:05.678Z"), e.time());
        AuditEntry back = AuditLines.parse(e.jsonLine());
        assertEquals(e, back);
        AuditLines.check(back);
        assertEquals(AuditFixtures.expectedHash(e.jsonLine()), e.hash());
    }

    static List<String> malformed() {
        return List.of(
        "",
        "garbage",
        "[1,2,\"hash\":\"" + "a" + "\"}",
        "[1],\"hash\":\"AAAA\"}",
        "{\"hash\":\"" + H + "\"}",
        "[\"x\",\"hash\":\"" + H + "\"}",
        "{\"seq\":\"1\",\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1.5,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":0,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":99999999999999999999999,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"yesterday\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"reboot\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":5,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":[],\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{\"a\":1},\"prev\":\"" + Z + "\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"xyz\",\"hash\":\"" + H + "\"}",
        "{\"seq\":1,\"time\":\"2025-01-01T00:00:00.000Z\",\"type\":\"login\",\"actor\":null,\"team\":null,\"user\":null,\"details\":{},\"prev\":\"" + Z + "\",\"hash\":\"" + "A".repeat(64) + "\"}");
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedLinesAreRefusedWithAReason(String line) {
        AuditLines.MalformedEntry e = assertThrows(AuditLines.MalformedEntry.class, () -> {
            AuditEntry parsed = AuditLines.parse(line);
            AuditLines.check(parsed);
        });
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void canonicalCheckCatchesReorderedOrDuplicatedMembers() throws Exception {
        AuditEntry e = AuditLines.encode(1, Instant.parse("2025-01-01T00:00:00Z"),
                AuditEvent.of(AuditType.LOGIN, "a", null, "a", Map.of("device", "d")), Z);
        String swapped = e.jsonLine().replace("\"actor\":\"a\",\"team\":null", "\"team\":null,\"actor\":\"a\"");
        AuditLines.MalformedEntry m = assertThrows(AuditLines.MalformedEntry.class,
                () -> AuditLines.check(AuditLines.parse(AuditFixtures.rehash(swapped))));
        assertTrue(m.getMessage().contains("canonical"), m.getMessage());
        String duplicated = e.jsonLine().replace("\"user\":\"a\"", "\"user\":\"b\",\"user\":\"a\"");
        assertThrows(AuditLines.MalformedEntry.class,
                () -> AuditLines.check(AuditLines.parse(AuditFixtures.rehash(duplicated))));
    }

    @Test
    void tokenLookingValuesAreSpotted() {
        assertTrue(AuditLines.looksLikeToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig"));
        assertTrue(AuditLines.looksLikeToken("Bearer abc"));
        assertFalse(AuditLines.looksLikeToken("t-Zm9vLmJhci5iYXo"));
        assertFalse(AuditLines.looksLikeToken("dr.osei.smith"));
        assertTrue(AuditLines.refusal(AuditEvent.of(AuditType.LOGIN, "alice", "t-1", "alice", Map.of("device", "phone")))
                .isEmpty());
    }
}
