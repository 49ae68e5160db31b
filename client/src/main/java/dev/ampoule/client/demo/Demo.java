package dev.ampoule.client.demo;

import dev.ampoule.client.AmpouleClient;
import dev.ampoule.client.ClientEvent;
import dev.ampoule.client.CommitResult;
import dev.ampoule.client.GroupId;
import dev.ampoule.client.SentMessage;
import dev.ampoule.mls.framing.MlsMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * A scripted care-team conversation through a running relay: a coordinator, a practitioner, a
 * patient and a pharmacist — four SDK clients — form a team, talk, and the pharmacist is removed
 * before the last message. It prints what each party sees and what the relay stored: ciphertext
 * at the relay, plaintext only at the members.
 * <pre>
 * demo [--relay ws://127.0.0.1:8080/v1/ws] [--relay-data-dir relay-data] [--team NAME]
 *      [--issuer ampoule-dev] [--audience ampoule-relay]
 * </pre>
 * Tokens are development tokens signed with the relay's development key from its data directory
 * (the relay's {@code mint-token} mechanism), so run it beside the relay (default: {@code ./relay-data}).
 * Exit status 0 when every member saw what it should and no plaintext is in the relay's data, 1
 * otherwise, 2 when it could not run.
 */
public final class Demo {

    private record Role(String label, String user, String device) {
        String id() {
            return user + "#" + device;
        }
    }

    private record Line(Role from, String text) {
    }

    private static final Role COORDINATOR = new Role("coordinator", "coordinator-ana", "desk");
    private static final Role PRACTITIONER = new Role("practitioner", "dr-osei", "laptop");
    private static final Role PATIENT = new Role("patient", "maria", "phone");
    private static final Role PHARMACIST = new Role("pharmacist", "pharmacist-lin", "counter");
    private static final List<Role> ROLES = List.of(COORDINATOR, PRACTITIONER, PATIENT, PHARMACIST);

    private static final List<Line> BEFORE_REMOVAL = List.of(
            new Line(COORDINATOR, "Welcome to Maria's care team. Dr. Osei leads; Lin handles prescriptions."),
            new Line(PRACTITIONER, "Maria, please log your blood pressure every morning this week."),
            new Line(PATIENT, "Will do. This morning it was 128/82."),
            new Line(PRACTITIONER, "Thank you. Lin, please prepare lisinopril 5 mg, 30 days."),
            new Line(PHARMACIST, "Prescription ready for pickup at the counter tomorrow."));
    private static final Line AFTER_REMOVAL = new Line(PATIENT, "Thanks all. My follow-up is on Monday at 9.");

    /** One party: its client and what it saw. */
    private static final class Party implements AutoCloseable {
        final Role role;
        final List<ClientEvent> seen = new ArrayList<>();
        AmpouleClient client;

        Party(Role role) {
            this.role = role;
        }

        synchronized void record(ClientEvent e) {
            seen.add(e);
            notifyAll();
        }

        synchronized List<ClientEvent.MessageReceived> messages() {
            return seen.stream().filter(ClientEvent.MessageReceived.class::isInstance)
                    .map(ClientEvent.MessageReceived.class::cast).toList();
        }

        synchronized <T extends ClientEvent> T await(Class<T> type, java.util.function.Predicate<T> match)
                throws InterruptedException {
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                for (ClientEvent e : seen) {
                    if (type.isInstance(e) && match.test(type.cast(e))) {
                        return type.cast(e);
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new IllegalStateException(role.id() + " did not see the expected " + type.getSimpleName());
                }
                wait(left);
            }
        }

        @Override
        public void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    private Demo() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out));
    }

    /** Runs the demo; returns the exit status. */
    public static int run(List<String> args, PrintStream out) {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("relay", "ws://127.0.0.1:8080/v1/ws");
        opts.put("relay-data-dir", "relay-data");
        opts.put("team", "care-team-" + HexFormat.of().formatHex(random(3)));
        opts.put("issuer", "ampoule-dev");
        opts.put("audience", "ampoule-relay");
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("demo")) {
                continue;
            }
            if (!a.startsWith("--") || i + 1 >= args.size() || !opts.containsKey(a.substring(2))) {
                out.println("usage: demo [--relay URI] [--relay-data-dir DIR] [--team NAME]"
                        + " [--issuer I] [--audience A]");
                return 2;
            }
            opts.put(a.substring(2), args.get(++i));
        }
        Path relayData = Path.of(opts.get("relay-data-dir"));
        DevTokens tokens;
        try {
            tokens = DevTokens.fromRelayDataDir(relayData, opts.get("issuer"), opts.get("audience"));
        } catch (IOException e) {
            out.println("demo: " + e.getMessage());
            return 2;
        }
        Path state;
        try {
            state = Files.createTempDirectory("ampoule-demo-clients");
        } catch (IOException e) {
            out.println("demo: cannot create a state directory: " + e.getMessage());
            return 2;
        }
        List<Party> parties = ROLES.stream().map(Party::new).toList();
        try {
            return converse(URI.create(opts.get("relay")), relayData, opts.get("team"), tokens, state, parties, out);
        } catch (CompletionException e) {
            out.println("demo: " + e.getCause().getMessage());
            out.println("(is the relay running? start it with ./ampoule relay)");
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        } catch (IllegalStateException e) {
            out.println("demo: " + e.getMessage());
            return 1;
        } finally {
            parties.forEach(Party::close);
            deleteTree(state);
        }
    }

    private static int converse(URI relay, Path relayData, String teamName, DevTokens tokens, Path state,
            List<Party> parties, PrintStream out) throws InterruptedException {
        out.println("Ampoule demo: a care team through the relay at " + relay);
        byte[] stateKey = random(32);
        for (Party p : parties) {
            p.client = AmpouleClient.builder()
                    .relay(relay)
                    .identity(p.role.user(), p.role.device())
                    .tokens(() -> tokens.mint(p.role.user(), Duration.ofHours(1)))
                    .stateStore(state.resolve(p.role.user()), stateKey)
                    .listener(p::record)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            p.client.connect().join();
            out.printf("  %-13s %-24s connected, KeyPackages published%n", p.role.label(), p.role.id());
        }
        Party coordinator = parties.get(0);
        Party pharmacist = parties.get(3);

        GroupId team = coordinator.client.createGroup(teamName).join();
        CommitResult added = coordinator.client.addMembers(team,
                List.of(PRACTITIONER.user(), PATIENT.user(), PHARMACIST.user())).join();
        out.println();
        out.println("[" + COORDINATOR.id() + "] created group " + team + " and added " + added.added()
                + " (epoch " + added.epoch() + ")");
        for (Party p : parties.subList(1, parties.size())) {
            ClientEvent.GroupJoined j = p.await(ClientEvent.GroupJoined.class, e -> e.groupId().equals(team));
            out.println("    [" + p.role.id() + "] sees: joined " + team + " with " + j.members().size() + " members");
        }

        out.println();
        out.println("-- the conversation --");
        List<SentMessage> sent = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Line line : BEFORE_REMOVAL) {
            say(parties, team, line, sent, texts, out);
        }
        CommitResult removed = coordinator.client.removeMembers(team, List.of(PHARMACIST.user())).join();
        out.println("[" + COORDINATOR.id() + "] removes " + removed.removed() + " (epoch " + removed.epoch() + ")");
        pharmacist.await(ClientEvent.RemovedFromGroup.class, e -> e.groupId().equals(team));
        out.println("    [" + PHARMACIST.id() + "] sees: removed from " + team);
        say(parties, team, AFTER_REMOVAL, sent, texts, out);
        Thread.sleep(300);
        boolean ok = pharmacist.messages().stream().noneMatch(m -> m.text().equals(AFTER_REMOVAL.text()));
        out.println("    [" + PHARMACIST.id() + "] sees: nothing (" + (ok ? "no longer a member)" : "IT READ IT!)"));

        out.println();
        out.println("-- what each party saw (plaintext exists only here, on the members' devices) --");
        for (Party p : parties) {
            out.println(p.role.label() + " " + p.role.id() + ":");
            for (ClientEvent.MessageReceived m : p.messages()) {
                out.printf("  #%-3d %-24s %s%n", m.seq(), m.sender(), m.text());
            }
        }

        out.println();
        ok &= relayStored(relayData, sent, texts, out);
        out.println();
        out.println(ok ? "OK: ciphertext at the relay, plaintext only at the members."
                : "FAILED: see above.");
        return ok ? 0 : 1;
    }

    /** Sends a line and prints who sees it. */
    private static void say(List<Party> parties, GroupId team, Line line, List<SentMessage> sent, List<String> texts,
            PrintStream out) throws InterruptedException {
        Party from = parties.stream().filter(p -> p.role == line.from()).findFirst().orElseThrow();
        SentMessage m = from.client.send(team, line.text()).join();
        sent.add(m);
        texts.add(line.text());
        out.println("[" + from.role.id() + "] sends #" + m.seq() + ": " + line.text());
        for (Party p : parties) {
            if (p == from || (line == AFTER_REMOVAL && p.role == PHARMACIST)) {
                continue;
            }
            ClientEvent.MessageReceived r = p.await(ClientEvent.MessageReceived.class, e -> e.seq() == m.seq());
            out.println("    [" + p.role.id() + "] sees #" + r.seq() + " from " + r.sender() + ": " + r.text());
        }
    }

    /**
     * Prints the stored form of each message (it is in the relay's files byte for byte) and checks
     * that no plaintext occurs anywhere in the relay's data directory.
     */
    private static boolean relayStored(Path relayData, List<SentMessage> sent, List<String> texts, PrintStream out) {
        out.println("-- what the relay stored (its data directory " + relayData.toAbsolutePath() + ") --");
        List<byte[]> files = new ArrayList<>();
        long total = 0;
        try (Stream<Path> walk = Files.walk(relayData)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList()) {
                byte[] b = Files.readAllBytes(f);
                files.add(b);
                total += b.length;
            }
        } catch (IOException e) {
            out.println("cannot read the relay's data directory: " + e.getMessage());
            return false;
        }
        out.println("  each message is an MLS PrivateMessage: a clear header (group id, epoch, content type) and");
        out.println("  AEAD ciphertext of the sender and the content; the relay holds exactly these bytes:");
        HexFormat hex = HexFormat.of();
        for (SentMessage m : sent) {
            byte[] c = m.ciphertext().unsafeArray();
            boolean stored = files.stream().anyMatch(f -> indexOf(f, c) >= 0);
            String body = "";
            if (MlsMessage.fromBytes(c) instanceof MlsMessage.OfPrivateMessage pm) {
                byte[] ct = pm.message().ciphertext();
                body = "ciphertext " + hex.formatHex(ct, 0, Math.min(20, ct.length)) + "... (" + ct.length + " bytes)";
            }
            out.printf("  #%-3d %4d bytes, epoch %d, %s, %s%n", m.seq(), c.length, m.epoch(), body,
                    stored ? "in the relay's log" : "no longer kept (acknowledged by every device)");
        }
        int found = 0;
        for (String t : texts) {
            byte[] plain = t.getBytes(StandardCharsets.UTF_8);
            if (files.stream().anyMatch(f -> indexOf(f, plain) >= 0)) {
                out.println("  PLAINTEXT FOUND at the relay: " + t);
                found++;
            }
        }
        out.println("  plaintext of the " + texts.size() + " messages in the relay's " + files.size() + " files ("
                + total / 1024 + " KiB): " + (found == 0 ? "none" : found + " found"));
        return found == 0;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
