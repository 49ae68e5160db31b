package dev.ampoule.client.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.RelayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The demo against a real relay, with tokens minted from the relay's development key. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DemoTest {

    @TempDir
    Path dir;

    @Test
    void scriptedCareTeamShowsCiphertextAtTheRelayAndPlaintextOnlyAtMembers(Vertx vertx) {
        Path data = dir.resolve("relay-data");
        try (RelayFixture relay = new RelayFixture(vertx, data, new JsonObject()).start()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int status = Demo.run(List.of("demo", "--relay", relay.uri().toString(), "--relay-data-dir",
                    data.toString(), "--team", "Maria's care team"), new PrintStream(buf, true, StandardCharsets.UTF_8));
            String out = buf.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, out);
            assertTrue(java.util.regex.Pattern.compile(
                    "\\[maria#phone\\] sees #\\d+ from dr-osei#laptop: Maria, please log your blood").matcher(out).find(), out);
            assertTrue(out.contains("[admin API] DELETE /v1/teams/"), out);
            assertTrue(out.contains("the group is fenced until a member commits the removal"), out);
            assertTrue(out.contains("the held message went out again, encrypted for epoch 2"), out);
            assertTrue(out.contains("removed (epoch 2)"), out);
            assertTrue(out.contains("[pharmacist-lin#counter] sees: nothing (cut off at once"), out);
            assertTrue(out.contains("[pharmacist-lin#counter] tries to send: refused"), out);
            assertTrue(out.contains("member_removed"), out);
            assertTrue(out.contains("in the relay's log"), out);
            assertTrue(out.contains("plaintext of the 6 messages in the relay's"), out);
            assertTrue(out.contains("): none"), out);
        }
    }

    @Test
    void withoutTheRelaysKeyItExplainsWhatToDo() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status = Demo.run(List.of("--relay-data-dir", dir.resolve("nowhere").toString()),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("start the relay first"));
    }
}
