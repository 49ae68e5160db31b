package dev.ampoule.relay.support;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.ds.PublicGroupView;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The MLS side of a test device, on group-protocol's Group API (suite 1). */
public final class MlsMember {

    public static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);

    public final DeviceId id;
    public final Credential credential;
    public final SignatureKeyPair keys = SUITE.generateSignatureKeyPair();
    private final Map<Bytes, KeyPackageBundle> bundles = new HashMap<>();
    public Group group;
    public PendingCommit pending;

    public MlsMember(String user, String device) {
        this.id = new DeviceId(user, device);
        this.credential = new Credential.Basic(id.identity());
    }

    public static Bytes bytes(MlsMessage m) {
        return Bytes.wrap(m.toBytes());
    }

    /** A fresh KeyPackage valid for {@code lifetime} from now (MLSMessage bytes). */
    public Bytes keyPackage(java.time.Duration lifetime, boolean lastResort) {
        KeyPackageBundle b = KeyPackageBundle.builder(SUITE, credential, keys).lastResort(lastResort).lifetime(lifetime)
                .build();
        Bytes kp = bytes(new MlsMessage.OfKeyPackage(b.keyPackage()));
        bundles.put(kp, b);
        return kp;
    }

    /** {@code n} fresh KeyPackages (MLSMessage bytes); their private parts are kept for joining. */
    public List<Bytes> keyPackages(int n, boolean lastResort) {
        List<Bytes> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            KeyPackageBundle b = KeyPackageBundle.builder(SUITE, credential, keys).lastResort(lastResort).build();
            Bytes kp = bytes(new MlsMessage.OfKeyPackage(b.keyPackage()));
            bundles.put(kp, b);
            out.add(kp);
        }
        return out;
    }

    /** The relay's external sender for this suite, as device {@code d} fetches it ({@code FetchExternalSender}). */
    public static dev.ampoule.mls.extension.ExternalSenders.ExternalSender externalSender(TestDevice d) {
        Frame f = d.call(new Frame.FetchExternalSender(SUITE.id().wire()));
        if (!(f instanceof Frame.ExternalSenderResult r)) {
            throw new AssertionError("no external sender: " + f);
        }
        return dev.ampoule.mls.codec.TlsReader.decodeExactly(r.externalSender().toArray(),
                dev.ampoule.mls.extension.ExternalSenders.ExternalSender::decode);
    }

    /** The group extensions of a care team's group: the relay as its external sender. */
    public static List<dev.ampoule.mls.extension.Extension> relayAsExternalSender(TestDevice d) {
        return List.of(new dev.ampoule.mls.extension.ExternalSenders(List.of(externalSender(d))).toExtension());
    }

    public Frame.CreateGroup create(Bytes groupId) {
        group = Group.create(PublicGroupView.CONFIG, SUITE, groupId.toArray(), credential, keys);
        return new Frame.CreateGroup(groupId, bytes(new MlsMessage.OfGroupInfo(group.groupInfo(true))), Optional.empty());
    }

    /** Creates the group with these GroupContext extensions (e.g. the relay as external sender). */
    public Frame.CreateGroup create(Bytes groupId, List<dev.ampoule.mls.extension.Extension> extensions) {
        group = Group.create(PublicGroupView.CONFIG, SUITE, groupId.toArray(), credential, keys, extensions);
        return new Frame.CreateGroup(groupId, bytes(new MlsMessage.OfGroupInfo(group.groupInfo(true))), Optional.empty());
    }

    public static KeyPackage keyPackage(Bytes mlsMessage) {
        return ((MlsMessage.OfKeyPackage) MlsMessage.fromBytes(mlsMessage.toArray())).keyPackage();
    }

    /** A commit bundle (not yet merged locally) with the given options. */
    public Frame.SendCommit commit(CommitOptions.Builder options) {
        pending = group.commit(options.groupInfoForExternalJoin(true).build());
        return new Frame.SendCommit(Bytes.wrap(group.groupId()), bytes(pending.commit()),
                pending.welcome().map(MlsMember::bytes), bytes(new MlsMessage.OfGroupInfo(pending.groupInfo().orElseThrow())));
    }

    public Frame.SendApplication message(String text) {
        return new Frame.SendApplication(Bytes.wrap(group.groupId()),
                bytes(group.encrypt(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0])));
    }

    /** Joins from a delivered Welcome, with the tree fetched from the relay. */
    public void join(Frame.WelcomeDelivery w, Frame.GroupInfoResult info) {
        Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(w.welcome().toArray())).welcome();
        KeyPackageBundle bundle = null;
        for (KeyPackageBundle b : bundles.values()) {
            if (welcome.find(b.ref()).isPresent()) {
                bundle = b;
            }
        }
        if (bundle == null) {
            throw new AssertionError("no KeyPackage of this Welcome");
        }
        RatchetTree tree = RatchetTree.decode(SUITE, info.ratchetTree().toArray());
        group = Group.join(PublicGroupView.CONFIG, welcome, bundle, Optional.of(tree));
    }

    /** Processes a delivered message: returns the plaintext of an application message, merges commits. */
    public Optional<String> receive(Frame.Deliver d) {
        Processed p = group.process(MlsMessage.fromBytes(d.message().toArray()));
        return switch (p) {
            case Processed.ApplicationMessage a -> Optional.of(new String(a.data(), java.nio.charset.StandardCharsets.UTF_8));
            case StagedCommit s -> {
                group.merge(s);
                yield Optional.empty();
            }
            default -> Optional.empty();
        };
    }
}
