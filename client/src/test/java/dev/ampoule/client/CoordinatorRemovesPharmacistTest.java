package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.ampoule.client.admin.AdminClient;
import dev.ampoule.client.admin.AdminException;
import dev.ampoule.client.support.AuditVerify;
import dev.ampoule.client.support.ClusterFixture;
import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.client.support.Relays;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.relay.audit.PgAuditExport;
import dev.ampoule.relay.store.PgSchema;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The whole story through the relay's real interfaces: a coordinator forms a 5-member care team
 * over the admin REST API, the SDK clients form its MLS group, the coordinator removes the
 * pharmacist over REST; the pharmacist reads nothing more, a message sent during the fence goes
 * through once the removal is committed, a member added later reads nothing from before, a
 * non-coordinator's roster change is refused, and the relay's own audit log verifies with the
 * {@code audit-verify} command — which catches an edited and a deleted entry. Nothing secret
 * reaches the relay's logs. On a cluster, the coordinator's admin calls go to one node while every
 * member's device is connected to the other two, and the chain verified is the cluster's one chain
 * in PostgreSQL.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CoordinatorRemovesPharmacistTest {

    private static final String ORG = "st-mary";
    /** The cluster node the coordinator's and the org admin's admin calls go to. */
    private static final int ADMIN_NODE = 0;

    /** Acknowledged messages stay until the end (no retention sweep): the test reads them back as stored. */
    @RegisterExtension
    final RelayExtension e2e = RelayExtension.withConfig(new JsonObject().put("retentionSweepSeconds", 3600));

    private final List<Party> parties = new ArrayList<>();
    private Relays relay;
    private Relays.Deployment deployment;

    @ParameterizedTest
    @EnumSource(Relays.Deployment.class)
    void removalFencesAndProtectsHistory(Relays.Deployment deployment) throws Exception {
        this.deployment = deployment;
        List<String> logged = new ArrayList<>();
        // every log event of the relay and the clients, at every level, while the story runs
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                synchronized (logged) {
                    logged.add(e.getFormattedMessage() + " " + e.getMDCPropertyMap() + " "
                            + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()));
                }
            }
        };
        capture.setContext(root.getLoggerContext());
        capture.start();
        ch.qos.logback.classic.Level level = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        root.addAppender(capture);
        try {
            run(logged);
        } finally {
            root.detachAppender(capture);
            root.setLevel(level);
        }
    }

    private void run(List<String> logged) throws Exception {
        relay = e2e.deploy(deployment).relays();
        List<String> minted = new ArrayList<>();
        java.util.function.Function<String, String> token = user -> {
            String t = relay.token(user, ORG, List.of());
            synchronized (minted) {
                minted.add(t);
            }
            return t;
        };
        URI http = relay instanceof ClusterFixture c ? URI.create(c.cluster().node(ADMIN_NODE).http())
                : URI.create("http://127.0.0.1:" + relay.port());
        AdminClient coordinatorApi = new AdminClient(http, () -> token.apply("coordinator"));
        AdminClient patientApi = new AdminClient(http, () -> token.apply("patient"));
        AdminClient adminApi = new AdminClient(http, () -> relay.token("org-admin", ORG, List.of("org_admin")));

        // the coordinator forms the team over REST
        String teamName = "Maria R., heart failure follow-up";
        AdminClient.Team team = coordinatorApi.createTeam(teamName, Optional.of(30)).join();
        for (String[] m : new String[][] {{"practitioner", "practitioner"}, {"patient", "patient"},
                {"pharmacist", "pharmacist"}}) {
            coordinatorApi.putMember(team.id(), m[0], m[1]).join();
        }
        GroupId group = GroupId.ofTeam(team.id());

        Party coordinator = party(token, "coordinator", "desk");
        Party practitioner = party(token, "practitioner", "laptop");
        Party patientPhone = party(token, "patient", "phone");
        Party patientTablet = party(token, "patient", "tablet");
        Party pharmacist = party(token, "pharmacist", "counter");
        coordinator.client.createGroup(team.id()).join();
        for (Party p : parties.subList(1, parties.size())) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(group), 30);
        }
        // one relay adds the roster in one Commit (epoch 1); a cluster's nodes may propose the adds in
        // several turns, each committed as it comes
        if (deployment == Relays.Deployment.SINGLE) {
            Convergence.await(parties, group, 1);
        } else {
            Convergence.awaitAgreement(parties, group);
        }

        List<String> texts = new ArrayList<>();
        SentMessage before = send(practitioner, group, "Lin, lisinopril 5 mg for Maria, 30 days.", texts);
        for (Party p : Party.except(parties, practitioner)) {
            p.events.awaitTexts(group, 1, 30);
        }

        // a patient may not change the roster
        CompletionException refused = assertThrows(CompletionException.class,
                () -> patientApi.removeMember(team.id(), "pharmacist").join());
        assertEquals(403, ((AdminException) refused.getCause()).status());
        assertEquals(4, coordinatorApi.members(team.id()).join().size(), "the refused call changed nothing");

        // the practitioner goes offline; the coordinator removes the pharmacist; the practitioner
        // comes back and sends at once on its saved (fenced) epoch. The other members are offline
        // meanwhile, so no one commits the removal before the practitioner's message meets the
        // fence, however slow its reconnection; the practitioner then commits it itself.
        List<Party> away = List.of(practitioner, coordinator, patientPhone, patientTablet);
        away.forEach(Party::stop);
        coordinatorApi.removeMember(team.id(), "pharmacist").join();
        CompletableFuture<Void> back = practitioner.launch();
        CompletableFuture<SentMessage> during = practitioner.client.send(group, "Maria's potassium is 5.4; hold it.");
        texts.add("Maria's potassium is 5.4; hold it.");
        back.join();
        practitioner.events.awaitFirst(ClientEvent.GroupFenced.class, f -> f.groupId().equals(group), 30);
        SentMessage duringFence = during.join();
        assertEquals(before.epoch() + 1, duringFence.epoch(), "sent again in the epoch of the removal");
        List.of(coordinator, patientPhone, patientTablet).forEach(p -> p.launch().join());
        List<Party> stay = Party.except(parties, pharmacist);
        Convergence.await(stay, group, before.epoch() + 1);
        SentMessage after = send(patientPhone, group, "Thank you, I will stop it tonight.", texts);
        for (Party p : List.of(coordinator, patientTablet)) {
            // back after the fence: they read what was said while they were away, and after
            p.events.awaitTexts(group, 2, 30);
            assertEquals(texts.subList(1, 3), p.events.texts(group));
        }

        // the pharmacist's devices received nothing more
        assertEquals(List.of(texts.get(0)), pharmacist.events.texts(group));
        // and its last saved state decrypts none of what the relay stored after the removal
        pharmacist.stop();
        Group kept = SavedGroupState.load(pharmacist, group).orElseThrow();
        List<GroupMessage> stored = relay.stored(group.bytes(), before.seq() + 1);
        assertTrue(stored.stream().filter(m -> m.kind() == MessageKind.APPLICATION).count() >= 2);
        for (GroupMessage m : stored) {
            Group copy = SavedGroupState.load(pharmacist, group).orElseThrow();
            try {
                Processed p = copy.process(MlsMessage.fromBytes(m.message().toArray()));
                assertFalse(p instanceof Processed.ApplicationMessage, "decrypted seq " + m.seq());
            } catch (MlsException expected) {
                // cannot read it
            }
        }
        assertEquals(before.epoch(), kept.epoch());

        // an insurer added later reads what follows and nothing from before
        Party insurer = party(token, "insurer", "office");
        coordinatorApi.putMember(team.id(), "insurer", "insurer").join();
        insurer.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(group), 30);
        send(coordinator, group, "Welcome; the claim covers the new prescription.", texts);
        insurer.events.awaitTexts(group, 1, 30);
        assertEquals(List.of(texts.get(texts.size() - 1)), insurer.events.texts(group));
        insurer.stop();
        List<GroupMessage> all = relay.stored(group.bytes(), 1);
        for (GroupMessage m : all) {
            if (m.kind() != MessageKind.APPLICATION || m.seq() > after.seq()) {
                continue;
            }
            Group copy = SavedGroupState.load(insurer, group).orElseThrow();
            assertThrows(MlsException.class, () -> copy.process(MlsMessage.fromBytes(m.message().toArray())),
                    "seq " + m.seq() + " was sent before the insurer joined");
        }

        // the audit log holds the story, by ids only, and its chain verifies
        List<String> audit = adminApi.exportAudit(team.id()).join();
        Set<String> types = audit.stream().map(l -> new JsonObject(l).getString("type")).collect(Collectors.toSet());
        assertTrue(types.containsAll(Set.of("team_created", "member_added", "member_removed", "proposal_sent",
                "commit_accepted", "admin_call")), types.toString());
        relay.stop();
        Path log = auditLog();
        assertEquals(0, AuditVerify.run(log), "the relay's chain verifies");
        for (String l : Files.readAllLines(log)) {
            assertFalse(l.contains(teamName), "no team name in the audit log");
            texts.forEach(t -> assertFalse(l.contains(t)));
        }

        // nothing secret reached the relay's logs: no token, no message text, no team name, no ciphertext
        List<String> secrets = new ArrayList<>(texts);
        secrets.add(teamName);
        synchronized (minted) {
            secrets.addAll(minted);
        }
        for (GroupMessage m : all) {
            byte[] c = m.message().toArray();
            secrets.add(HexFormat.of().formatHex(c, Math.max(0, c.length - 32), c.length));
            secrets.add(Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(c, Math.max(0, c.length - 32),
                    c.length)));
        }
        synchronized (logged) {
            logged.addAll(nodeLogs());
            for (String line : logged) {
                for (String s : secrets) {
                    assertFalse(line.contains(s), "a log record carries a secret");
                }
            }
        }

        // an edited entry and a deleted entry are both caught
        List<String> lines = Files.readAllLines(log);
        Path edited = e2e.dir().resolve("edited");
        Files.createDirectories(edited);
        List<String> changed = new ArrayList<>(lines);
        int added = -1;
        for (int i = 0; i < lines.size() && added < 0; i++) {
            added = lines.get(i).contains("\"type\":\"member_added\"") ? i : -1;
        }
        // someone turns an addition into a removal
        changed.set(added, lines.get(added).replace("\"type\":\"member_added\"", "\"type\":\"member_removed\""));
        Files.write(edited.resolve("audit.log"), changed);
        assertEquals(1, AuditVerify.run(edited.resolve("audit.log")));
        Path deleted = e2e.dir().resolve("deleted");
        Files.createDirectories(deleted);
        List<String> shorter = new ArrayList<>(lines);
        shorter.remove(lines.size() / 2);
        Files.write(deleted.resolve("audit.log"), shorter);
        assertEquals(1, AuditVerify.run(deleted.resolve("audit.log")));
    }

    /**
     * The relay's audit log as a file: a single relay's own; a cluster's chain in PostgreSQL, which
     * {@code audit-verify --store postgresql} verifies first, exported.
     */
    private Path auditLog() throws Exception {
        if (!(relay instanceof ClusterFixture c)) {
            return ((RelayFixture) relay).dataDir.resolve("audit").resolve("audit.log");
        }
        assertEquals(0, AuditVerify.runPostgres(c.database()), "the cluster's chain verifies");
        Path dir = e2e.dir().resolve("exported");
        Files.createDirectories(dir);
        Path log = dir.resolve("audit.log");
        PgAuditExport.export(PgSchema.jdbcUrl(c.database()), c.database().getUser(), c.database().getPassword(), log);
        return log;
    }

    /** What a cluster's nodes logged (a single relay logs in this JVM, where the test captures it). */
    private List<String> nodeLogs() throws IOException {
        List<String> out = new ArrayList<>();
        if (relay instanceof ClusterFixture c) {
            for (var node : c.cluster().nodes()) {
                out.addAll(Files.readAllLines(node.logFile, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The node a member's device connects to in a cluster: never the one the admin calls go to. */
    private int memberNode() {
        return 1 + parties.size() % (ClusterFixture.NODES - 1);
    }

    private Party party(java.util.function.Function<String, String> token, String user, String device) {
        URI uri = relay instanceof ClusterFixture c ? c.uri(memberNode()) : relay.uri();
        Party p = e2e.track(new Party(uri, token, e2e.clientsDir(), user, device)
                .configure(b -> b.autoCommitDelay(Duration.ofMillis(600)).fenceTimeout(Duration.ofSeconds(60))));
        p.start();
        parties.add(p);
        return p;
    }

    private static SentMessage send(Party from, GroupId group, String text, List<String> texts) {
        texts.add(text);
        return from.client.send(group, text).join();
    }

}
