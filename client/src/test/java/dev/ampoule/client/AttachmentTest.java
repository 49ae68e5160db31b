package dev.ampoule.client;

import static dev.ampoule.client.support.ClientCalls.failure;
import static dev.ampoule.client.support.ClientCalls.randomFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.relay.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Files and bytes between SDK clients through a real relay: a file sent as an attachment arrives
 * as a reference and fetches back byte for byte; bytes with a content type arrive as such; a
 * member who joined later, and a removed member, fetch nothing; a blob tampered with or
 * truncated at the relay is refused and leaves no file; a file over the relay's size limit or
 * beyond the team's quota is refused with its code and sends no message.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AttachmentTest {

    static final long MAX_BLOB = 1_500_000;
    static final long QUOTA = 4_000_000;

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    private Path dir;
    private RelayFixture relay;

    private Party party(String user, String device) {
        return e2e.party(user, device);
    }

    private Attachment received(Party p, GroupId g, String name) {
        return p.events.awaitFirst(ClientEvent.MessageReceived.class,
                m -> m.groupId().equals(g) && m.attachment().map(a -> a.name().equals(name)).orElse(false), 30)
                .attachment().orElseThrow();
    }

    @Test
    void filesAndBytesReachMembersOnly() throws Exception {
        dir = e2e.dir();
        relay = e2e.start(new JsonObject().put("maxBlobBytes", MAX_BLOB)
                .put("teamBlobQuotaBytes", QUOTA));
        Party alice = party("alice", "phone");
        Party bob = party("bob", "laptop");
        GroupId g = RelayExtension.team(alice, "files", List.of(alice, bob));

        Path scan = randomFile(dir, "ecg.dcm", 1_000_000, 1);
        SentAttachment sent = alice.client.sendAttachment(g, scan, "application/dicom").join();
        assertEquals(1_000_000, sent.attachment().size());
        Attachment got = received(bob, g, "ecg.dcm");
        assertEquals("application/dicom", got.contentType());
        assertEquals(sent.attachment().blobId(), got.blobId());
        Path out = dir.resolve("bob-ecg.dcm");
        assertEquals(1_000_000, bob.client.fetchAttachment(got, out).join());
        assertArrayEquals(Files.readAllBytes(scan), Files.readAllBytes(out));

        alice.client.send(g, new byte[] {1, 2, 3}, "application/fhir+json").join();
        ClientEvent.MessageReceived bin = bob.events.awaitFirst(ClientEvent.MessageReceived.class,
                m -> m.content() instanceof Content.Binary, 30);
        assertEquals(new Content.Binary("application/fhir+json", dev.ampoule.relay.protocol.Bytes.wrap(
                new byte[] {1, 2, 3})), bin.content());

        // carol joins afterwards: the relay does not hand her the earlier file
        Party carol = party("carol", "tablet");
        alice.client.addMembers(g, List.of("carol")).join();
        carol.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(g), 30);
        Path carolOut = dir.resolve("carol-ecg.dcm");
        assertTrue(failure(() -> carol.client.fetchAttachment(got, carolOut).join()).is(ErrorCode.NOT_GRANTED));
        assertFalse(Files.exists(carolOut));

        // bob is removed: not even what he fetched before
        alice.client.removeMembers(g, List.of("bob")).join();
        bob.events.awaitFirst(ClientEvent.RemovedFromGroup.class, r -> r.groupId().equals(g), 30);
        AmpouleException removed = failure(() -> bob.client.fetchAttachment(got, dir.resolve("again")).join());
        assertEquals(AmpouleException.Reason.NOT_A_MEMBER, removed.reason());
        assertTrue(failure(() -> bob.client.fetchAttachment(new Attachment(g, got.blobId(), got.contentType(), "x",
                got.size(), got.blobSize(), got.digest(), got.key()), dir.resolve("again")).join()).reason()
                == AmpouleException.Reason.NOT_A_MEMBER);
    }

    @Test
    void blobsAlteredAtTheRelayAreRefusedAndLeaveNoFile() throws Exception {
        dir = e2e.dir();
        relay = e2e.start(new JsonObject());
        Party alice = party("alice", "phone");
        Party bob = party("bob", "laptop");
        GroupId g = RelayExtension.team(alice, "files", List.of(alice, bob));
        Path blobs = relay.dataDir.resolve("blobs");

        // one bit flipped in the middle of the stored blob
        Attachment tampered = alice.client.sendAttachment(g, randomFile(dir, "a.bin", 300_000, 2), "application/octet-stream")
                .join().attachment();
        try (FileChannel ch = FileChannel.open(blobs.resolve(tampered.blobId().hex() + ".blob"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, 150_000);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, 150_000);
        }
        Path out = dir.resolve("out-a");
        assertEquals(AmpouleException.Reason.INTEGRITY,
                failure(() -> bob.client.fetchAttachment(received(bob, g, "a.bin"), out).join()).reason());
        assertFalse(Files.exists(out));

        // the stored blob cut at a chunk boundary (its last chunk gone)
        Attachment cut = alice.client.sendAttachment(g, randomFile(dir, "b.bin", 200_000, 3), "application/octet-stream")
                .join().attachment();
        try (FileChannel ch = FileChannel.open(blobs.resolve(cut.blobId().hex() + ".blob"), StandardOpenOption.WRITE)) {
            ch.truncate(5 + 3L * (64 * 1024 + 16));
        }
        assertEquals(AmpouleException.Reason.INTEGRITY,
                failure(() -> bob.client.fetchAttachment(received(bob, g, "b.bin"), out).join()).reason());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temporary file left");
        }

        // an untouched one still fetches
        Path c = randomFile(dir, "c.bin", 10, 4);
        alice.client.sendAttachment(g, c, "text/plain").join();
        assertEquals(10, bob.client.fetchAttachment(received(bob, g, "c.bin"), out).join());
        assertArrayEquals(Files.readAllBytes(c), Files.readAllBytes(out));
    }

    @Test
    void theSizeLimitAndTheTeamsQuotaAreRefusedWithTheirCodes() throws Exception {
        dir = e2e.dir();
        relay = e2e.start(new JsonObject().put("maxBlobBytes", MAX_BLOB)
                .put("teamBlobQuotaBytes", QUOTA));
        Party alice = party("alice", "phone");
        Party bob = party("bob", "laptop");
        GroupId g = RelayExtension.team(alice, "files", List.of(alice, bob));

        Path big = randomFile(dir, "big.bin", 2_000_000, 5);
        assertTrue(failure(() -> alice.client.sendAttachment(g, big, "x/y").join()).is(ErrorCode.BLOB_TOO_LARGE));
        for (int i = 0; i < 2; i++) {
            alice.client.sendAttachment(g, randomFile(dir, "part" + i, 1_400_000, 6 + i), "x/y").join();
        }
        Path third = randomFile(dir, "one-too-many", 1_400_000, 9);
        assertTrue(failure(() -> alice.client.sendAttachment(g, third, "x/y").join()).is(ErrorCode.QUOTA_EXCEEDED));
        alice.client.send(g, "after the refusals").join();
        bob.events.awaitTexts(g, 1, 30);
        List<String> names = bob.events.all(ClientEvent.MessageReceived.class).stream()
                .flatMap(m -> m.attachment().stream()).map(Attachment::name).toList();
        assertEquals(List.of("part0", "part1"), names, "the refused files sent no message");
    }
}
