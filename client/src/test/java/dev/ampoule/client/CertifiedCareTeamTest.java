package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Certification;
import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Member;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End-to-end identity with a real relay, a real identity issuer over HTTP and real WebSockets: a
 * care team whose devices hold certificates of the organisation, each member seeing who sent what —
 * verified user, device and role; development-mode members shown unverified; renewal.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CertifiedCareTeamTest {

    private static final Map<String, String> ROLES = Map.of("dr-osei", "coordinator", "nurse-kim", "practitioner",
            "maria", "patient", "lin", "pharmacist");

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.careTeams();

    private Party start(Party p) {
        return e2e.track(p).start();
    }

    /** The relay and the organisation's identity issuer (closed after the test). */
    private Certification certification(JsonObject issuerSettings) {
        return e2e.closeAfter(new Certification(e2e.vertx(), e2e.relay(), e2e.dir().resolve("identity"),
                issuerSettings));
    }

    private static MemberIdentity verified(Party p) {
        return new MemberIdentity(p.client.device(), Optional.ofNullable(ROLES.get(p.user)), true);
    }

    @Test
    void aCareTeamWithDeviceCertificatesSeesVerifiedUsersDevicesAndRoles() {
        RelayFixture relay = e2e.relay();
        Certification org = certification(new JsonObject());
        String team = relay.createTeam("dr-osei");
        relay.addToRoster(team, "nurse-kim", "practitioner");
        relay.addToRoster(team, "maria", "patient");
        relay.addToRoster(team, "lin", "pharmacist");
        Party coordinator = start(org.party(e2e.clientsDir(), "dr-osei", "desk", ROLES));
        Party nurse = start(org.party(e2e.clientsDir(), "nurse-kim", "phone", ROLES));
        Party patient = start(org.party(e2e.clientsDir(), "maria", "tablet", ROLES));
        Party pharmacist = start(org.party(e2e.clientsDir(), "lin", "counter", ROLES));
        for (Party p : e2e.parties()) {
            ClientEvent.DeviceCertified c = p.events.awaitFirst(ClientEvent.DeviceCertified.class, x -> true, 5);
            assertTrue(c.notAfter().isAfter(c.notBefore()));
        }

        // the team's group; the relay proposes the rostered devices, whose KeyPackages carry certificates
        GroupId group = coordinator.client.createGroup(team).join();
        for (Party p : Party.except(e2e.parties(), coordinator)) {
            ClientEvent.GroupJoined joined = p.events.awaitFirst(ClientEvent.GroupJoined.class,
                    j -> j.groupId().equals(group), 30);
            assertEquals(e2e.parties().stream().map(CertifiedCareTeamTest::verified).sorted(BY_DEVICE).toList(),
                    joined.identities().stream().sorted(BY_DEVICE).toList(), p + " sees every member verified");
        }
        Convergence.await(e2e.parties(), group, 1);
        ClientEvent.MembersAdded added = coordinator.events.awaitFirst(ClientEvent.MembersAdded.class,
                a -> a.groupId().equals(group), 5);
        assertTrue(added.identities().stream().allMatch(MemberIdentity::verified));

        for (Party p : e2e.parties()) {
            p.client.send(group, "from " + p.user).join();
        }
        for (Party p : e2e.parties()) {
            p.events.awaitTexts(group, e2e.parties().size() - 1, 30);
            for (ClientEvent.MessageReceived m : p.events.all(ClientEvent.MessageReceived.class)) {
                Party sender = e2e.parties().stream().filter(q -> q.client.device().equals(m.sender())).findFirst()
                        .orElseThrow();
                assertEquals(verified(sender), m.from(), "verified user, device and role of the sender");
                assertEquals("from " + sender.user, m.text());
            }
            assertTrue(p.events.all(ClientEvent.UntrustedMember.class).isEmpty());
            assertTrue(p.events.all(ClientEvent.Problem.class).isEmpty(), () -> p + ": " + p.events.events());
            assertEquals(List.of(verified(coordinator), verified(nurse), verified(patient), verified(pharmacist))
                    .stream().sorted(BY_DEVICE).toList(),
                    p.client.group(group).join().identities().stream().sorted(BY_DEVICE).toList());
        }

        // what the leaves hold: x509 credentials (the device certificate, then the issuing CA's)
        Group saved = SavedGroupState.load(nurse, group).orElseThrow();
        for (Member m : saved.members()) {
            Credential.X509 x = assertInstanceOf(Credential.X509.class, m.credential());
            assertEquals(2, x.certificates().size());
        }
    }

    private static final java.util.Comparator<MemberIdentity> BY_DEVICE = java.util.Comparator.comparing(
            MemberIdentity::device);

    @Test
    void basicCredentialsShowAsUnverifiedWhereAllowedAndAreRefusedElsewhere() {
        RelayFixture relay = e2e.relay();
        Certification org = certification(new JsonObject());
        // a certified coordinator who allows basic credentials (an ad hoc group), a certified nurse who
        // does too, and a device in development mode (basic credential)
        Party coordinator = start(org.party(e2e.clientsDir(), "dr-osei", "desk", ROLES)
                .configure(org.certified().andThen(b -> b.allowBasicCredentials(true))));
        Party nurse = start(org.party(e2e.clientsDir(), "nurse-kim", "phone", ROLES)
                .configure(org.certified().andThen(b -> b.allowBasicCredentials(true))));
        Party visitor = start(new Party(relay, e2e.clientsDir(), "visitor", "phone"));
        Party strict = start(org.party(e2e.clientsDir(), "lin", "counter", ROLES));

        GroupId group = coordinator.client.createGroup("ad-hoc-1").join();
        coordinator.client.addMembers(group, List.of("nurse-kim", "visitor")).join();
        Convergence.await(List.of(coordinator, nurse, visitor), group, 1);

        visitor.client.send(group, "hello from the waiting room").join();
        nurse.client.send(group, "hello visitor").join();
        ClientEvent.MessageReceived fromVisitor = coordinator.events.awaitFirst(ClientEvent.MessageReceived.class,
                m -> m.sender().equals(visitor.client.device()), 20);
        assertEquals(MemberIdentity.unverified(new DeviceId("visitor", "phone")), fromVisitor.from());
        ClientEvent.MessageReceived fromNurse = coordinator.events.awaitFirst(ClientEvent.MessageReceived.class,
                m -> m.sender().equals(nurse.client.device()), 20);
        assertEquals(verified(nurse), fromNurse.from());
        // the development-mode device has no anchor: it sees everyone unverified, certificates included
        ClientEvent.MessageReceived atVisitor = visitor.events.awaitFirst(ClientEvent.MessageReceived.class,
                m -> m.sender().equals(nurse.client.device()), 20);
        assertFalse(atVisitor.from().verified());
        assertEquals(Optional.empty(), atVisitor.from().role());

        // a client that does not allow basic credentials leaves the visitor out when adding, and says why
        GroupId strictGroup = strict.client.createGroup("strict-1").join();
        CommitResult r = strict.client.addMembers(strictGroup, List.of("visitor", "nurse-kim")).join();
        assertEquals(List.of(nurse.client.device()), r.added());
        ClientEvent.UntrustedMember refused = strict.events.awaitFirst(ClientEvent.UntrustedMember.class,
                u -> u.groupId().equals(strictGroup), 10);
        assertEquals(Optional.of(visitor.client.device()), refused.claimed());
        assertEquals("BASIC_NOT_ALLOWED", refused.reason());
        assertTrue(refused.byRelay(), "handed out by the relay's KeyPackage directory");
    }

    @Test
    void theDeviceCertificateIsRenewedBeforeItEndsAndTheTeamCarriesOn() {
        RelayFixture relay = e2e.relay();
        Certification org = certification(new JsonObject().put("certificateTtlSeconds", 12));
        Party coordinator = start(org.party(e2e.clientsDir(), "dr-osei", "desk", ROLES));
        Party nurse = start(org.party(e2e.clientsDir(), "nurse-kim", "phone", ROLES));
        GroupId group = coordinator.client.createGroup("night-shift").join();
        coordinator.client.addMembers(group, List.of("nurse-kim")).join();
        Convergence.await(e2e.parties(), group, 1);

        // two renewals each, every one before the previous certificate ended
        for (Party p : e2e.parties()) {
            p.events.await("two renewals", 60, events -> events.stream()
                    .filter(ClientEvent.DeviceCertified.class::isInstance).count() >= 3);
            List<ClientEvent.DeviceCertified> certs = p.events.all(ClientEvent.DeviceCertified.class);
            for (int i = 1; i < certs.size(); i++) {
                assertTrue(certs.get(i).notBefore().isBefore(certs.get(i - 1).notAfter()), "renewed before the end");
            }
            p.events.await("KeyPackages with the new certificate", 30, events -> {
                int renewed = events.lastIndexOf(p.events.all(ClientEvent.DeviceCertified.class).get(1));
                return events.subList(renewed, events.size()).stream()
                        .anyMatch(ClientEvent.KeyPackagesPublished.class::isInstance);
            });
            assertEquals(certs.getLast().notAfter(), SavedDevice.certificateNotAfter(p).orElseThrow(),
                    "the latest certificate is stored with the device");
        }

        // the first certificates have ended: the members still talk, and still see each other verified
        nurse.client.send(group, "all quiet").join();
        ClientEvent.MessageReceived m = coordinator.events.awaitFirst(ClientEvent.MessageReceived.class,
                x -> x.text().equals("all quiet"), 20);
        assertEquals(verified(nurse), m.from());
        for (Party p : e2e.parties()) {
            assertEquals(List.of(), p.events.all(ClientEvent.Problem.class), p + " had no problem");
        }
    }

    @Test
    void withoutAReachableIssuerAFreshDeviceCannotConnect() {
        RelayFixture relay = e2e.relay();
        Certification org = certification(new JsonObject());
        Party lonely = new Party(relay.uri(), u -> relay.token(u), e2e.clientsDir(), "dr-osei", "desk")
                .configure(b -> b.identityIssuer(java.net.URI.create("http://127.0.0.1:" + RelayFixture.freePort()))
                        .trustAnchors(List.of(org.root())).connectTimeout(Duration.ofSeconds(5)));
        e2e.track(lonely);
        CompletionException e = assertThrows(CompletionException.class,
                () -> lonely.launch().join());
        AmpouleException failure = assertInstanceOf(AmpouleException.class, e.getCause());
        assertEquals(AmpouleException.Reason.IDENTITY, failure.reason());

        // an issuer of another organisation: its certificate does not chain to the configured anchor
        try (Certification other = new Certification(e2e.vertx(), relay, e2e.dir().resolve("other"),
                new JsonObject())) {
            Party misconfigured = new Party(relay.uri(), u -> relay.token(u), e2e.dir().resolve("clients2"),
                    "dr-osei", "desk")
                    .configure(b -> b.identityIssuer(other.issuer.uri()).trustAnchors(List.of(org.root())));
            e2e.track(misconfigured);
            CompletionException e2 = assertThrows(CompletionException.class,
                    () -> misconfigured.launch().join());
            assertEquals(AmpouleException.Reason.IDENTITY, ((AmpouleException) e2.getCause()).reason());
        }
    }
}
