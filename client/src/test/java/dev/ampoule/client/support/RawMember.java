package dev.ampoule.client.support;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.TestDevice;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A group member driven by hand over a {@link TestDevice}, with its own MLS state from
 * group-protocol: it can produce messages the SDK never would (for an old epoch, for an epoch the
 * group has not reached, copies of accepted ones).
 */
public final class RawMember {

    public static final CipherSuite SUITE =
            BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    /** As the SDK: members are devices; the relay, a group's external sender, names none. */
    public static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService((credential, key, suite, context) ->
                    (context == CredentialContext.EXTERNAL_SENDER ? BasicCredentialValidator.acceptingAnyIdentity()
                            : BasicCredentialValidator.trusting(id -> DeviceId.fromIdentity(id).isPresent()))
                            .validate(credential, key, suite, context))
            .build();

    public final DeviceId id;
    public final TestDevice device;
    private final Credential credential;
    private final SignatureKeyPair keys;
    private final GroupConfig config;
    private final List<KeyPackageBundle> bundles = new ArrayList<>();
    public Group group;
    public long processedSeq;
    private final java.util.Set<Bytes> sent = new java.util.HashSet<>();

    public RawMember(TestDevice device, String user, String deviceId) {
        this(device, new DeviceId(user, deviceId), null, SUITE.generateSignatureKeyPair(), CONFIG);
    }

    /**
     * A member with its own credential (e.g. a device certificate) for {@code keys}, judging others
     * with {@code config}; a basic credential naming the device when {@code credential} is null.
     */
    public RawMember(TestDevice device, DeviceId id, Credential credential, SignatureKeyPair keys, GroupConfig config) {
        this.device = device;
        this.id = id;
        this.credential = credential != null ? credential : new Credential.Basic(id.identity());
        this.keys = keys;
        this.config = config;
    }

    /** Publishes {@code n} KeyPackages. */
    public long publish(int n) {
        List<Bytes> kps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            KeyPackageBundle b = KeyPackageBundle.builder(SUITE, credential, keys).build();
            bundles.add(b);
            kps.add(Bytes.wrap(new MlsMessage.OfKeyPackage(b.keyPackage()).toBytes()));
        }
        return device.ok(new Frame.PublishKeyPackages(kps, false));
    }

    /** Joins from the next Welcome pushed to it (the tree is in the Welcome). */
    public void joinFromWelcome() {
        Frame.WelcomeDelivery w = device.next(Frame.WelcomeDelivery.class);
        Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(w.welcome().toArray())).welcome();
        KeyPackageBundle bundle = bundles.stream().filter(b -> welcome.find(b.ref()).isPresent()).findFirst()
                .orElseThrow();
        group = Group.join(config, welcome, bundle, Optional.empty());
        processedSeq = w.groupSeq();
        device.ok(new Frame.AckMailbox(w.mailboxSeq()));
    }

    /** Processes pushed messages of its group until it has seen {@code seq}. */
    public void catchUp(long seq) {
        while (processedSeq < seq) {
            Frame.Deliver d = device.next(Frame.Deliver.class);
            if (d.seq() <= processedSeq) {
                continue;
            }
            if (sent.remove(d.message())) {
                processedSeq = d.seq();
                continue;
            }
            Processed p = group.process(MlsMessage.fromBytes(d.message().toArray()));
            if (p instanceof StagedCommit c) {
                group.merge(c);
            }
            processedSeq = d.seq();
            device.ok(new Frame.AckGroup(d.groupId(), d.seq()));
        }
    }

    /** An application message of its group's current epoch (its echo will be skipped). */
    public Frame.SendApplication message(String text) {
        Frame.SendApplication m = message(group, text);
        sent.add(m.message());
        return m;
    }

    /** An application message encrypted with {@code state} (a copy of the group at some epoch). */
    public static Frame.SendApplication message(Group state, String text) {
        return new Frame.SendApplication(Bytes.wrap(state.groupId()),
                Bytes.wrap(state.encrypt(text.getBytes(StandardCharsets.UTF_8), new byte[0]).toBytes()));
    }

    /** A copy of its group's current state. */
    public Group copy() {
        return Group.restore(group.toBytes(), config);
    }

    /** A copy of its group advanced by a Commit the relay never saw. */
    public Group aheadCopy() {
        Group ahead = copy();
        ahead.commit(CommitOptions.builder().forcePath(true).build());
        ahead.mergePendingCommit();
        return ahead;
    }
}
