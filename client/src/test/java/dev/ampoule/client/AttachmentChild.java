package dev.ampoule.client;

import dev.ampoule.client.demo.DevTokens;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One SDK client in its own JVM (started by {@link LargeAttachmentTest} with a small {@code -Xmx}):
 * {@code send} creates a group with the receiving user and sends a file as an attachment;
 * {@code receive} waits for it and fetches it to a file. Prints what it did and the largest heap
 * use it saw ({@code PEAK <bytes>}, sampled every 5 ms) and its heap limit ({@code MAX <bytes>}).
 *
 * <pre>AttachmentChild send|receive RELAY_URI RELAY_DATA_DIR STATE_DIR FILE</pre>
 */
public final class AttachmentChild {

    static final String SENDER = "alice";
    static final String RECEIVER = "bob";

    private AttachmentChild() {
    }

    public static void main(String[] args) throws Exception {
        String role = args[0];
        URI relay = URI.create(args[1]);
        DevTokens tokens = DevTokens.fromRelayDataDir(Path.of(args[2]), "ampoule-dev", "ampoule-relay");
        Path file = Path.of(args[4]);
        AtomicLong peak = new AtomicLong();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        String user = role.equals("send") ? SENDER : RECEIVER;
        CompletableFuture<Attachment> arrived = new CompletableFuture<>();
        AmpouleClient client = AmpouleClient.builder()
                .relay(relay)
                .identity(user, "device")
                .tokens(() -> tokens.mint(user, Duration.ofHours(1)))
                .stateStore(Path.of(args[3]), new byte[32])
                .careTeamRules(false)
                .listener(e -> {
                    if (e instanceof ClientEvent.MessageReceived m && m.attachment().isPresent()) {
                        arrived.complete(m.attachment().get());
                    }
                })
                .build();
        try {
            client.connect().get(60, TimeUnit.SECONDS);
            if (role.equals("send")) {
                GroupId g = client.createGroup("big-file").get(60, TimeUnit.SECONDS);
                client.addMembers(g, List.of(RECEIVER)).get(60, TimeUnit.SECONDS);
                SentAttachment sent = client.sendAttachment(g, file, "application/dicom").get(240, TimeUnit.SECONDS);
                System.out.println("SENT " + sent.attachment().blobId().hex() + " " + sent.attachment().blobSize());
            } else {
                System.out.println("READY");
                Attachment a = arrived.get(240, TimeUnit.SECONDS);
                long size = client.fetchAttachment(a, file).get(240, TimeUnit.SECONDS);
                System.out.println("FETCHED " + size);
            }
        } finally {
            client.close();
            sampler.interrupt();
            System.out.println("PEAK " + peak.get());
            System.out.println("MAX " + Runtime.getRuntime().maxMemory());
            System.out.flush();
        }
        System.exit(0);
    }
}
