package dev.ampoule.client.demo;

import dev.ampoule.client.AmpouleClient;
import dev.ampoule.client.admin.AdminClient;
import dev.ampoule.client.ClientEvent;
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
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

/**
 * A scripted care-team conversation through a running relay: a coordinator sets up a care team
 * over the relay's admin API (a practitioner, a patient, a pharmacist); four SDK clients form its
 * MLS group (the relay proposes the rostered members, the coordinator's client commits); they
 * talk; then the coordinator takes the pharmacist off the roster. The relay cuts the pharmacist's
 * device off at once, proposes its removal and fences the group: the patient's next message is
 * held until a member commits the removal, then goes out in the new epoch, which the pharmacist
 * cannot read. It prints what each party sees, the audit trail, and what the relay stored:
 * ciphertext at the relay, plaintext only at the members.
 * <pre>
 * demo [--relay ws://127.0.0.1:8080/v1/ws] [--relay-data-dir relay-data] [--team NAME]
 *      [--issuer ampoule-dev] [--audience ampoule-relay]
 * </pre>
 * The admin API is reached on the same host and port as the relay's WebSocket.
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

    private static final String ORG = "demo-clinic";
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

        synchronized boolean seen(Class<? extends ClientEvent> type) {
            return seen.stream().anyMatch(type::isInstance);
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
        // the SDK's warnings on standard error, one line each (before anything logs)
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/ampoule/client/demo/logback.xml");
        }
        System.exit(run(List.of(args), System.out));
    }

    /** Runs the demo; returns the exit status. */
    public static int run(List<String> args, PrintStream out) {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("relay", "ws://127.0.0.1:8080/v1/ws");
        opts.put("relay-data-dir", "relay-data");
        opts.put("team", "Maria's care team " + HexFormat.of().formatHex(random(2)));
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
        URI http = URI.create((relay.getScheme().equals("wss") ? "https" : "http") + "://" + relay.getAuthority());
        AdminClient coordinatorConsole = new AdminClient(http,
                () -> tokens.mint(COORDINATOR.user(), Optional.of(ORG), List.of(), Duration.ofHours(1)));
        AdminClient.Team team = coordinatorConsole.createTeam(teamName, Optional.of(30)).join();
        for (Party p : parties.subList(1, parties.size())) {
            coordinatorConsole.putMember(team.id(), p.role.user(), p.role.label()).join();
        }
        out.println("[admin API] " + COORDINATOR.user() + " created care team " + team.id() + " with "
                + coordinatorConsole.members(team.id()).join().stream()
                        .map(m -> m.userId() + " (" + m.role() + ")").toList());

        byte[] stateKey = random(32);
        for (Party p : parties) {
            p.client = client(relay, tokens, state, stateKey, p);
            p.client.connect().join();
            out.printf("  %-13s %-24s connected, KeyPackages published%n", p.role.label(), p.role.id());
        }
        Party coordinator = parties.get(0);
        Party practitioner = parties.get(1);
        Party patient = parties.get(2);
        Party pharmacist = parties.get(3);

        GroupId group = coordinator.client.createGroup(team.id()).join();
        out.println();
        out.println("[" + COORDINATOR.id() + "] created the team's MLS group, with the relay as its external sender");
        ClientEvent.MembersAdded added = coordinator.await(ClientEvent.MembersAdded.class,
                e -> e.groupId().equals(group) && e.byRelay());
        out.println("    the relay proposed adding the roster's devices; " + COORDINATOR.id() + " committed "
                + added.added() + " (epoch " + added.epoch() + ")");
        for (Party p : parties.subList(1, parties.size())) {
            ClientEvent.GroupJoined j = p.await(ClientEvent.GroupJoined.class, e -> e.groupId().equals(group));
            out.println("    [" + p.role.id() + "] sees: joined with " + j.members().size() + " members");
        }

        out.println();
        out.println("-- the conversation --");
        List<SentMessage> sent = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Line line : BEFORE_REMOVAL) {
            say(parties, group, line, sent, texts, out);
        }

        out.println();
        out.println("-- the coordinator takes the pharmacist off the team (from the admin console; the desk app is closed) --");
        coordinator.client.close();
        coordinatorConsole.removeMember(team.id(), PHARMACIST.user()).join();
        out.println("[admin API] DELETE /v1/teams/" + team.id() + "/members/" + PHARMACIST.user() + ": the relay cut "
                + PHARMACIST.id() + " off, proposed its removal and fenced the group");
        Line after = AFTER_REMOVAL;
        boolean ok0;
        SentMessage last = patient.client.send(group, after.text()).join();
        sent.add(last);
        texts.add(after.text());
        out.println("[" + PATIENT.id() + "] sends: " + after.text());
        boolean refused = patient.seen(ClientEvent.GroupFenced.class);
        out.println("    the group is fenced until a member commits the removal: the client held the message in memory"
                + (refused ? " (the relay had refused it: GROUP_FENCED)" : " (it had the relay's proposal already)"));
        ClientEvent.MembersRemoved removal = practitioner.await(ClientEvent.MembersRemoved.class,
                e -> e.groupId().equals(group) && e.byRelay());
        ok0 = last.epoch() == removal.epoch();
        out.println("    " + removal.by().map(Object::toString).orElse("a member") + " committed the relay's proposal: "
                + removal.removed() + " removed (epoch " + removal.epoch() + ")");
        out.println("    the held message went out again, encrypted for epoch " + last.epoch() + ", as #" + last.seq());
        for (Party p : List.of(practitioner)) {
            ClientEvent.MessageReceived r = p.await(ClientEvent.MessageReceived.class, e -> e.seq() == last.seq());
            out.println("    [" + p.role.id() + "] sees #" + r.seq() + " from " + r.sender() + ": " + r.text());
        }
        coordinator.client = client(relay, tokens, state, stateKey, coordinator);
        coordinator.client.connect().join();
        ClientEvent.MessageReceived back = coordinator.await(ClientEvent.MessageReceived.class,
                e -> e.seq() == last.seq());
        out.println("    [" + COORDINATOR.id() + "] (desk app opened again) sees #" + back.seq() + " from " + back.sender()
                + ": " + back.text());
        Thread.sleep(300);
        boolean ok = ok0 && pharmacist.messages().stream().noneMatch(m -> m.text().equals(after.text()));
        out.println("    [" + PHARMACIST.id() + "] sees: nothing (" + (ok ? "cut off at once; epoch " + last.epoch()
                + " keys never reach it)" : "IT READ IT!)"));
        try {
            pharmacist.client.send(group, "Is the prescription still needed?").join();
            out.println("    [" + PHARMACIST.id() + "] could still send: FAILED");
            ok = false;
        } catch (CompletionException e) {
            out.println("    [" + PHARMACIST.id() + "] tries to send: refused (" + e.getCause().getMessage() + ")");
        }

        out.println();
        out.println("-- what each party saw (plaintext exists only here, on the members' devices) --");
        for (Party p : parties) {
            out.println(p.role.label() + " " + p.role.id() + ":");
            for (ClientEvent.MessageReceived m : p.messages()) {
                out.printf("  #%-3d %-24s %s%n", m.seq(), m.sender(), m.text());
            }
        }

        out.println();
        out.println("-- the audit trail of the team (ids only; ./ampoule audit-verify checks its hash chain) --");
        AdminClient orgAdmin = new AdminClient(http,
                () -> tokens.mint("org-admin", Optional.of(ORG), List.of("org_admin"), Duration.ofHours(1)));
        Map<String, Integer> types = new java.util.TreeMap<>();
        for (String line : orgAdmin.exportAudit(team.id()).join()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"type\":\"([a-z_]+)\"").matcher(line);
            if (m.find()) {
                types.merge(m.group(1), 1, Integer::sum);
            }
        }
        types.forEach((type, n) -> out.printf("  %-18s %d%n", type, n));

        out.println();
        ok &= relayStored(relayData, sent, texts, out);
        out.println();
        out.println(ok ? "OK: ciphertext at the relay, plaintext only at the members; the removed pharmacist reads nothing new."
                : "FAILED: see above.");
        return ok ? 0 : 1;
    }

    private static AmpouleClient client(URI relay, DevTokens tokens, Path state, byte[] stateKey, Party p) {
        return AmpouleClient.builder()
                .relay(relay)
                .identity(p.role.user(), p.role.device())
                .tokens(() -> tokens.mint(p.role.user(), Optional.of(ORG), List.of(), Duration.ofHours(1)))
                .stateStore(state.resolve(p.role.user()), stateKey)
                .listener(p::record)
                .connectTimeout(Duration.ofSeconds(5))
                .autoCommitDelay(Duration.ofSeconds(1))
                .build();
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
            if (p == from) {
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
