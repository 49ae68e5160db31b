package dev.ampoule.relay.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RecordingAudit;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blobs through a real relay over real WebSockets (PROTOCOL.md "Blobs"): a member uploads in
 * chunks and another fetches the same bytes; the relay audits the upload and each device's
 * download once; non-members, removed members and devices that joined later are refused; the size
 * limit, the group's quota and every upload that does not match its declaration are refused with
 * their codes, leave nothing stored and disturb nobody; uploads resume after a resend and survive
 * a restart, unfinished ones do not.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlobUploadTest {

    static final long MAX_BLOB = 100_000;
    static final long QUOTA = 250_000;
    static final Bytes GROUP = Bytes.ofHex("b10b");

    @TempDir
    Path dir;

    private RelayHarness relay;
    private RecordingAudit audit;
    private Team team;

    @BeforeEach
    void start(Vertx vertx) {
        relay = new RelayHarness(vertx, dir, new JsonObject().put("maxBlobBytes", MAX_BLOB)
                .put("teamBlobQuotaBytes", QUOTA));
        audit = new RecordingAudit();
        relay.audit = audit;
        relay.start();
        team = Team.form(relay, GROUP, "alice#phone", "bob#laptop");
    }

    @AfterEach
    void stop() {
        if (team != null) {
            team.close();
        }
        relay.stop();
    }

    static Bytes id(int n) {
        byte[] b = new byte[16];
        Arrays.fill(b, (byte) n);
        return Bytes.wrap(b);
    }

    static byte[] random(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Bytes sha256(byte[] data) throws Exception {
        return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static Frame.UploadBlob declare(Bytes id, byte[] data) throws Exception {
        return new Frame.UploadBlob(GROUP, id, data.length, sha256(data), new Frame.BlobUse.Attachment());
    }

    /** Uploads {@code data} in chunks of {@code chunk} bytes; the bytes held after each. */
    static void upload(TestDevice d, Bytes id, byte[] data, int chunk) throws Exception {
        assertEquals(0, d.ok(declare(id, data)));
        for (int off = 0; off < data.length; off += chunk) {
            int n = Math.min(chunk, data.length - off);
            boolean last = off + n == data.length;
            assertEquals(off + n, d.ok(new Frame.UploadChunk(id, off, Bytes.wrap(Arrays.copyOfRange(data, off, off + n)),
                    last)));
        }
    }

    static byte[] download(TestDevice d, Bytes id, int step) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            Frame f = d.call(new Frame.FetchBlob(id, out.size(), step));
            Frame.BlobData b = assertInstanceOf(Frame.BlobData.class, f, () -> "expected BlobData, got " + f);
            assertEquals(out.size(), b.offset());
            out.writeBytes(b.data().unsafeArray());
            if (out.size() == b.size()) {
                return out.toByteArray();
            }
            assertTrue(b.data().length() > 0);
        }
    }

    /** The group still carries messages between its members. */
    private void groupStillWorks(String text) {
        long seq = team.device(0).ok(team.member(0).message(text));
        Frame.Deliver got = nextDeliver(team.device(1), seq);
        assertEquals(Optional.of(text), team.member(1).receive(got));
        team.device(1).ok(new Frame.AckGroup(GROUP, got.seq()));
    }

    private static Frame.Deliver nextDeliver(TestDevice d, long seq) {
        while (true) {
            Frame.Deliver f = d.next(Frame.Deliver.class);
            if (f.seq() == seq) {
                return f;
            }
        }
    }

    @Test
    void aMemberUploadsAndAnotherFetchesTheSameBytesAuditedOnce() throws Exception {
        byte[] data = random(70_000, 1);
        upload(team.device(0), id(1), data, 30_000);
        assertArrayEquals(data, download(team.device(1), id(1), 16_384));
        assertArrayEquals(data, download(team.device(1), id(1), 40_000));
        assertEquals(1, audit.of(AuditType.BLOB_UPLOADED).size());
        assertEquals("70000", audit.of(AuditType.BLOB_UPLOADED).get(0).details().get("size"));
        assertEquals(id(1).hex(), audit.of(AuditType.BLOB_UPLOADED).get(0).details().get("blob"));
        assertEquals(1, audit.of(AuditType.BLOB_FETCHED).size(), "one download, one entry: " + audit.events);
        assertEquals("laptop", audit.of(AuditType.BLOB_FETCHED).get(0).details().get("device"));
        // nothing of the content in any audit entry
        audit.events.forEach(e -> assertTrue(e.details().values().stream().noneMatch(v -> v.length() > 64)));
    }

    @Test
    void outsidersRemovedMembersAndLaterMembersAreRefused(Vertx vertx) throws Exception {
        byte[] early = random(1_000, 2);
        upload(team.device(0), id(2), early, 1_000);
        try (TestDevice stranger = relay.connect("mallory", "pc")) {
            stranger.error(new Frame.FetchBlob(id(2), 0, 1_000), ErrorCode.FORBIDDEN);
            stranger.error(declare(id(3), early), ErrorCode.FORBIDDEN);
        }
        team.device(0).error(new Frame.FetchBlob(id(9), 0, 1_000), ErrorCode.UNKNOWN_BLOB);

        // carol joins after the first upload: she may fetch what comes later, not what came before
        MlsMember carol = new MlsMember("carol", "tablet");
        try (TestDevice c = relay.connect("carol", "tablet")) {
            c.ok(new Frame.PublishKeyPackages(carol.keyPackages(1, false), false));
            Frame.KeyPackages kp = (Frame.KeyPackages) team.device(0).call(
                    new Frame.ClaimKeyPackages("carol", Optional.empty(), 1));
            team.device(0).ok(team.member(0).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()))));
            team.member(0).group.mergePendingCommit();
            Frame.WelcomeDelivery w = c.next(Frame.WelcomeDelivery.class);
            carol.join(w, (Frame.GroupInfoResult) c.call(new Frame.FetchGroupInfo(GROUP)));
            c.error(new Frame.FetchBlob(id(2), 0, 1_000), ErrorCode.NOT_GRANTED);
            byte[] later = random(500, 3);
            upload(team.device(1), id(4), later, 500);
            assertArrayEquals(later, download(c, id(4), 1_000));

            // bob is removed: he fetches nothing more, not even what he could before
            team.device(0).ok(team.member(0).commit(CommitOptions.builder().remove(1)));
            team.member(0).group.mergePendingCommit();
            team.device(1).error(new Frame.FetchBlob(id(2), 0, 1_000), ErrorCode.FORBIDDEN);
            team.device(1).error(new Frame.FetchBlob(id(4), 0, 1_000), ErrorCode.FORBIDDEN);
            team.device(1).error(declare(id(5), later), ErrorCode.FORBIDDEN);
            assertArrayEquals(early, download(team.device(0), id(2), 1_000));
        }
    }

    @Test
    void badUploadsAreRefusedWithTheirCodesAndLeaveNothing() throws Exception {
        TestDevice a = team.device(0);
        byte[] data = random(4_000, 4);
        // over the size limit
        a.error(new Frame.UploadBlob(GROUP, id(10), MAX_BLOB + 1, sha256(data), new Frame.BlobUse.Attachment()),
                ErrorCode.BLOB_TOO_LARGE);
        // over the group's quota: two near-limit blobs fit, the third does not (an upload in progress counts)
        upload(a, id(11), random((int) MAX_BLOB, 5), 50_000);
        assertEquals(0, a.ok(new Frame.UploadBlob(GROUP, id(12), MAX_BLOB, sha256(data), new Frame.BlobUse.Attachment())));
        a.error(new Frame.UploadBlob(GROUP, id(13), QUOTA - 2 * MAX_BLOB + 1, sha256(data),
                new Frame.BlobUse.Attachment()), ErrorCode.QUOTA_EXCEEDED);
        // a chunk at the wrong offset discards the upload (and frees its share of the quota)
        a.error(new Frame.UploadChunk(id(12), 10, Bytes.wrap(new byte[10]), false), ErrorCode.BLOB_MISMATCH);
        a.error(new Frame.UploadChunk(id(12), 0, Bytes.wrap(new byte[10]), false), ErrorCode.UNKNOWN_BLOB);
        // a last chunk before the declared size: truncated
        assertEquals(0, a.ok(declare(id(14), data)));
        assertEquals(1_000, a.ok(new Frame.UploadChunk(id(14), 0, Bytes.wrap(Arrays.copyOf(data, 1_000)), false)));
        a.error(new Frame.UploadChunk(id(14), 1_000, Bytes.wrap(Arrays.copyOfRange(data, 1_000, 2_000)), true),
                ErrorCode.BLOB_MISMATCH);
        // chunks past the declared size
        assertEquals(0, a.ok(declare(id(15), data)));
        a.error(new Frame.UploadChunk(id(15), 0, Bytes.wrap(new byte[4_001]), true), ErrorCode.BLOB_MISMATCH);
        // bytes that are not the declared ones (tampered on the way): the digest does not match
        assertEquals(0, a.ok(declare(id(16), data)));
        byte[] tampered = data.clone();
        tampered[1_234] ^= 1;
        a.error(new Frame.UploadChunk(id(16), 0, Bytes.wrap(tampered), true), ErrorCode.BLOB_MISMATCH);
        // malformed ids, an unknown group
        a.error(new Frame.UploadBlob(GROUP, Bytes.ofHex("01"), 10, sha256(data), new Frame.BlobUse.Attachment()),
                ErrorCode.BLOB_MISMATCH);
        a.error(new Frame.UploadBlob(Bytes.ofHex("ffff"), id(17), 10, sha256(data), new Frame.BlobUse.Attachment()),
                ErrorCode.UNKNOWN_GROUP);
        // a history record of another day, or of a message the group never had
        long today = BlobMeta.dayOf(System.currentTimeMillis());
        a.error(new Frame.UploadBlob(GROUP, id(19), 10, sha256(data), new Frame.BlobUse.History(1, today - 5, 1)),
                ErrorCode.BLOB_MISMATCH);
        a.error(new Frame.UploadBlob(GROUP, id(19), 10, sha256(data), new Frame.BlobUse.History(1, today, 10_000)),
                ErrorCode.BLOB_MISMATCH);
        // the same id declared again with other content
        a.error(new Frame.UploadBlob(GROUP, id(11), 5, sha256(data), new Frame.BlobUse.Attachment()),
                ErrorCode.BLOB_MISMATCH);

        // nothing of the refused uploads is stored; the good blob is intact; the group carries on
        for (int n : new int[] {10, 12, 13, 14, 15, 16, 17, 19}) {
            team.device(1).error(new Frame.FetchBlob(id(n), 0, 100), ErrorCode.UNKNOWN_BLOB);
        }
        assertEquals(MAX_BLOB, download(team.device(1), id(11), 60_000).length);
        assertEquals(1, audit.of(AuditType.BLOB_UPLOADED).size());
        groupStillWorks("still here");
        try (Stream<Path> files = Files.list(dir.resolve("blobs"))) {
            assertEquals(2, files.count(), "one blob: its bytes and its metadata");
        }
        // the quota freed by the refusals takes a new upload
        upload(a, id(18), random((int) MAX_BLOB, 6), 100_000);
    }

    @Test
    void anUploadResumesAfterAResendAndSurvivesARestartWhileAnUnfinishedOneDoesNot() throws Exception {
        TestDevice a = team.device(0);
        byte[] data = random(9_000, 7);
        assertEquals(0, a.ok(declare(id(20), data)));
        assertEquals(3_000, a.ok(new Frame.UploadChunk(id(20), 0, Bytes.wrap(Arrays.copyOf(data, 3_000)), false)));
        // the device lost the answers and sends again: the relay says how far it got, copies are harmless
        assertEquals(3_000, a.ok(declare(id(20), data)));
        assertEquals(3_000, a.ok(new Frame.UploadChunk(id(20), 0, Bytes.wrap(Arrays.copyOf(data, 3_000)), false)));
        assertEquals(9_000, a.ok(new Frame.UploadChunk(id(20), 3_000, Bytes.wrap(Arrays.copyOfRange(data, 3_000, 9_000)),
                true)));
        assertEquals(9_000, a.ok(declare(id(20), data)), "declared again once complete");
        assertEquals(9_000, a.ok(new Frame.UploadChunk(id(20), 3_000, Bytes.wrap(Arrays.copyOfRange(data, 3_000, 9_000)),
                true)));
        // another upload is left unfinished
        assertEquals(0, a.ok(declare(id(21), data)));
        assertEquals(100, a.ok(new Frame.UploadChunk(id(21), 0, Bytes.wrap(Arrays.copyOf(data, 100)), false)));
        team.close();
        team = null;
        relay.restart();
        try (TestDevice b = relay.connect("bob", "laptop")) {
            assertArrayEquals(data, download(b, id(20), 5_000));
            b.error(new Frame.FetchBlob(id(21), 0, 100), ErrorCode.UNKNOWN_BLOB);
        }
        try (Stream<Path> files = Files.list(dir.resolve("blobs"))) {
            assertEquals(2, files.count(), "the unfinished upload's bytes are gone");
        }
    }
}
