package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.identity.IssuerClient;
import dev.ampoule.client.support.Certification;
import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RawMember;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.ca.CaKey;
import dev.ampoule.identity.ca.DeviceCertificateIssuer;
import dev.ampoule.identity.ca.IssuingCa;
import dev.ampoule.identity.ca.OrgCa;
import dev.ampoule.identity.ca.SignatureSchemes;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A member forged with the relay's cooperation is detected by every honest client. The relay here
 * validates no certificate chain (it holds no trust anchor) and the test holds its keys: it mints a
 * token for the victim {@code doc}, under which a "doc/laptop" device publishes KeyPackages whose
 * certificate does not come from the organisation's issuer. Whether a colluding member commits the
 * Add, the relay's directory hands the KeyPackage out, or the relay proposes the Add itself, each
 * honest client refuses the member — the change is not applied — says so with
 * {@link ClientEvent.UntrustedMember}, and never shows a message of the forged device as doc's.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ForgedMemberTest {

    private static final Map<String, String> ROLES = Map.of("dr-osei", "coordinator", "nurse-kim", "practitioner",
            "maria", "patient", "mallory", "practitioner");
    private static final DeviceId VICTIM = new DeviceId("doc", "laptop");
    /** The forger's side accepts anything. */
    private static final GroupConfig ANYTHING_GOES = GroupConfig.builder()
            .authenticationService((credential, key, suite, context) -> { })
            .build();

    /** How the forged certificate for doc/laptop is made. */
    enum Forgery {
        /** A root CA of the forger's, with the organisation's very name. */
        ROGUE_ROOT_WITH_THE_ORGANISATIONS_NAME,
        /** Presented under the organisation's real issuing CA, but signed by another key. */
        SIGNED_BY_ANOTHER_KEY_UNDER_THE_REAL_ISSUER
    }

    @TempDir
    Path dir;

    private Vertx vertx;
    private RelayFixture relay;
    private Certification org;
    private final List<Party> honest = new ArrayList<>();
    private final List<AutoCloseable> raw = new ArrayList<>();

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        relay = new RelayFixture(vertx, dir.resolve("relay"), new JsonObject()).start();
        org = new Certification(vertx, relay, dir.resolve("identity"), new JsonObject());
    }

    @AfterEach
    void tearDown() throws Exception {
        honest.forEach(Party::close);
        for (AutoCloseable c : raw) {
            c.close();
        }
        org.close();
        relay.close();
    }

    private Party honest(String user, String device) {
        Party p = org.party(dir.resolve("clients"), user, device, ROLES);
        honest.add(p);
        p.start();
        return p;
    }

    private TestDevice rawDevice(String user, String device, String token) {
        TestDevice d = TestDevice.connected(vertx, relay.port, token, device);
        raw.add(d);
        return d;
    }

    /** The victim's device as the relay lets the forger connect it: a token the relay minted for doc. */
    private RawMember forgedVictim(Forgery how) throws Exception {
        SignatureKeyPair keys = RawMember.SUITE.generateSignatureKeyPair();
        Credential forged = forgedCertificate(how, keys);
        RawMember doc = new RawMember(rawDevice("doc", "laptop", relay.token("doc")), VICTIM, forged, keys,
                ANYTHING_GOES);
        doc.publish(2);
        return doc;
    }

    private Credential forgedCertificate(Forgery how, SignatureKeyPair keys) throws Exception {
        var spki = SignatureSchemes.subjectPublicKeyInfo(RawMember.SUITE.id(), keys.publicKey()).orElseThrow();
        List<X509Certificate> chain = switch (how) {
            case ROGUE_ROOT_WITH_THE_ORGANISATIONS_NAME -> {
                CaKey rogueRoot = OrgCa.createRoot(Certification.ORG, Duration.ofDays(30), Clock.systemUTC());
                IssuingCa rogue = IssuingCa.of(OrgCa.createIssuing(rogueRoot, Duration.ofDays(30), Clock.systemUTC()),
                        rogueRoot.certificate());
                yield new DeviceCertificateIssuer(rogue, Duration.ofHours(1), Clock.systemUTC())
                        .issue(VICTIM, Optional.of("practitioner"), spki).chain();
            }
            case SIGNED_BY_ANOTHER_KEY_UNDER_THE_REAL_ISSUER -> {
                X509Certificate realIssuing = CaFiles.readCertificates(org.issuer.dataDir.resolve(CaFiles.ISSUER_CHAIN))
                        .getFirst();
                KeyPair other = KeyPairGenerator.getInstance("Ed25519", new BouncyCastleProvider()).generateKeyPair();
                X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                        X500Name.getInstance(realIssuing.getSubjectX500Principal().getEncoded()), BigInteger.TWO,
                        Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                        new X500Name("O=" + Certification.ORG + ",CN=laptop"), spki);
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, VICTIM.uri())));
                X509Certificate leaf = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                        .getCertificate(b.build(new JcaContentSignerBuilder("Ed25519").build(other.getPrivate())));
                yield List.of(leaf, realIssuing);
            }
        };
        List<Credential.Certificate> entries = new ArrayList<>();
        for (X509Certificate c : chain) {
            entries.add(new Credential.Certificate(c.getEncoded()));
        }
        return new Credential.X509(entries);
    }

    private static String reason(Forgery how) {
        return how == Forgery.ROGUE_ROOT_WITH_THE_ORGANISATIONS_NAME ? "UNTRUSTED_CHAIN" : "BAD_CERTIFICATE_SIGNATURE";
    }

    @ParameterizedTest
    @EnumSource(Forgery.class)
    void aForgedMemberCommittedByAColludingMemberIsRefusedByEveryHonestClient(Forgery how) throws Exception {
        Party coordinator = honest("dr-osei", "desk");
        Party nurse = honest("nurse-kim", "phone");
        Party patient = honest("maria", "tablet");

        // mallory, a real member of the organisation with a real certificate, colludes with the relay
        SignatureKeyPair malloryKeys = RawMember.SUITE.generateSignatureKeyPair();
        String malloryToken = relay.token("mallory", Certification.ORG, List.of("practitioner"));
        Credential.X509 malloryCertificate = new IssuerClient(HttpClient.newHttpClient(), org.issuer.uri(),
                Duration.ofSeconds(30)).certify(new DeviceId("mallory", "pc"), RawMember.SUITE, malloryKeys,
                        malloryToken).join().credential();
        RawMember mallory = new RawMember(rawDevice("mallory", "pc", malloryToken), new DeviceId("mallory", "pc"),
                malloryCertificate, malloryKeys, ANYTHING_GOES);
        mallory.publish(1);

        GroupId group = coordinator.client.createGroup("ward-7").join();
        coordinator.client.addMembers(group, List.of("nurse-kim", "maria", "mallory")).join();
        mallory.joinFromWelcome();
        Set<String> members = Set.of("dr-osei#desk", "nurse-kim#phone", "maria#tablet", "mallory#pc");
        Convergence.await(honest, group, 1, members);

        // the victim's device, forged; mallory claims its KeyPackage and commits its Add
        RawMember doc = forgedVictim(how);
        Frame.KeyPackages claimed = assertInstanceOf(Frame.KeyPackages.class,
                mallory.device.call(new Frame.ClaimKeyPackages("doc", Optional.empty(), RawMember.SUITE.id().wire())));
        var forgedKeyPackage = ((MlsMessage.OfKeyPackage) MlsMessage.fromBytes(
                claimed.entries().getFirst().keyPackage().toArray())).keyPackage();
        PendingCommit add = mallory.group.commit(CommitOptions.builder().add(forgedKeyPackage)
                .groupInfoForExternalJoin(true).build());
        long addSeq = mallory.device.ok(new Frame.SendCommit(Bytes.wrap(mallory.group.groupId()),
                Bytes.wrap(add.commit().toBytes()), add.welcome().map(w -> Bytes.wrap(w.toBytes())),
                Bytes.wrap(new MlsMessage.OfGroupInfo(add.groupInfo().orElseThrow()).toBytes())));
        mallory.group.mergePendingCommit();
        mallory.processedSeq = addSeq;

        // every honest client refuses the Commit and says who was forged, by whom, and why
        for (Party p : honest) {
            ClientEvent.UntrustedMember u = p.events.awaitFirst(ClientEvent.UntrustedMember.class,
                    x -> x.groupId().equals(group), 30);
            assertEquals(addSeq, u.seq());
            assertEquals(Optional.of(VICTIM), u.claimed(), p + " names the claimed identity");
            assertEquals(Optional.of(new DeviceId("mallory", "pc")), u.by());
            assertFalse(u.byRelay());
            assertEquals(reason(how), u.reason());
        }

        // the forged device joins on its side and speaks as doc; no honest client shows it as doc's
        doc.joinFromWelcome();
        long forgedSeq = doc.device.ok(doc.message("Stop the anticoagulant today. - Dr Doc"));
        for (Party p : honest) {
            p.events.await("the forged device's message refused", 30, events -> events.stream().anyMatch(
                    e -> e instanceof ClientEvent.MessageRejected r && r.seq() == forgedSeq));
            assertTrue(p.events.all(ClientEvent.MessageReceived.class).stream()
                    .noneMatch(m -> m.sender().equals(VICTIM) || m.text().contains("anticoagulant")));
            GroupSnapshot view = p.client.group(group).join();
            assertEquals(1, view.epoch(), p + " did not merge the forger's Commit");
            assertFalse(view.members().contains(VICTIM));
            assertTrue(view.identities().stream().allMatch(MemberIdentity::verified));
        }
    }

    @Test
    void aForgedKeyPackageTheRelayHandsOutIsLeftOutOfAnAdd() throws Exception {
        Party coordinator = honest("dr-osei", "desk");
        honest("nurse-kim", "phone");
        RawMember doc = forgedVictim(Forgery.ROGUE_ROOT_WITH_THE_ORGANISATIONS_NAME);
        GroupId group = coordinator.client.createGroup("ward-8").join();

        CommitResult r = coordinator.client.addMembers(group, List.of("nurse-kim", "doc")).join();
        assertEquals(List.of(new DeviceId("nurse-kim", "phone")), r.added(), "doc's forged device is left out");
        ClientEvent.UntrustedMember u = coordinator.events.awaitFirst(ClientEvent.UntrustedMember.class,
                x -> x.groupId().equals(group), 10);
        assertEquals(Optional.of(VICTIM), u.claimed());
        assertTrue(u.byRelay(), "handed out by the relay's directory");
        assertEquals("UNTRUSTED_CHAIN", u.reason());
        assertFalse(coordinator.client.group(group).join().members().contains(doc.id));
    }

    @Test
    void theRelaysOwnProposalOfAForgedMemberIsRefusedByEveryMember() throws Exception {
        String team = relay.createTeam("dr-osei");
        relay.addToRoster(team, "nurse-kim", "practitioner");
        Party coordinator = honest("dr-osei", "desk");
        honest("nurse-kim", "phone");
        GroupId group = coordinator.client.createGroup(team).join();
        Convergence.await(honest, group, 1);

        // the relay's roster gets "doc", whose only device is the forged one: the relay proposes adding it
        forgedVictim(Forgery.SIGNED_BY_ANOTHER_KEY_UNDER_THE_REAL_ISSUER);
        relay.addToRoster(team, "doc", "practitioner");
        for (Party p : honest) {
            ClientEvent.UntrustedMember u = p.events.awaitFirst(ClientEvent.UntrustedMember.class,
                    x -> x.groupId().equals(group), 30);
            assertTrue(u.byRelay(), "proposed by the relay");
            assertEquals(Optional.empty(), u.by());
            assertEquals(Optional.of(VICTIM), u.claimed());
            assertEquals("BAD_CERTIFICATE_SIGNATURE", u.reason());
        }
        // nobody commits it: the team stays as it was, and keeps talking
        coordinator.client.send(group, "handover at 8").join();
        ClientEvent.MessageReceived m = honest.get(1).events.awaitFirst(ClientEvent.MessageReceived.class,
                x -> x.text().equals("handover at 8"), 20);
        assertTrue(m.from().verified());
        for (Party p : honest) {
            GroupSnapshot view = p.client.group(group).join();
            assertEquals(1, view.epoch());
            assertFalse(view.members().contains(VICTIM));
        }
    }
}
