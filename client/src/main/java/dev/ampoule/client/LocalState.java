package dev.ampoule.client;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The encodings of the client's local state (before {@link dev.ampoule.client.store.EncryptedStateStore}
 * encrypts them), in the TLS presentation language:
 * <pre>
 * struct {
 *     uint8 version;                    // 2 (1: without certificate)
 *     opaque user_id&lt;V&gt;; opaque device_id&lt;V&gt;;
 *     uint16 cipher_suite;
 *     opaque signature_private_key&lt;V&gt;; opaque signature_public_key&lt;V&gt;;
 *     StoredKeyPackage key_packages&lt;V&gt;;
 *     uint64 mailbox_acked;
 *     optional&lt;Credential&gt; certificate;  // the device certificate (x509), version 2
 * } DeviceRecord;                       // name "device"
 *
 * struct { opaque key_package&lt;V&gt;;       // MLSMessage
 *          opaque init_private_key&lt;V&gt;; opaque encryption_private_key&lt;V&gt;; } StoredKeyPackage;
 *
 * struct {
 *     uint8 version;                    // 1
 *     opaque group_id&lt;V&gt;;
 *     uint64 processed_seq;             // the last sequence number processed
 *     opaque own_sent&lt;V&gt;&lt;V&gt;;           // SHA-256 of own application messages not yet seen back
 *     bool removed;
 *     opaque group_state&lt;V&gt;;           // Group.toBytes(), empty once removed
 *     optional&lt;PendingWelcome&gt; pending_welcome;  // added again before the removal was processed
 * } GroupRecord;
 *
 * struct { uint64 mailbox_seq; uint64 group_seq; opaque welcome&lt;V&gt;; } PendingWelcome;                        // name "group-" + hex(group_id)
 * </pre>
 */
final class LocalState {

    static final String DEVICE = "device";
    static final String GROUP_PREFIX = "group-";
    private static final int VERSION = 1;
    private static final int DEVICE_VERSION = 2;

    private LocalState() {
    }

    static String groupName(Bytes groupId) {
        return GROUP_PREFIX + groupId.hex();
    }

    /** A KeyPackage this device published, with its private keys. */
    record StoredKeyPackage(Bytes message, KeyPackageBundle bundle) {
    }

    /** The device's identity, its unused KeyPackages, its mailbox position and its device certificate. */
    static final class DeviceRecord {
        final DeviceId self;
        final CipherSuite suite;
        final SignatureKeyPair keys;
        final List<StoredKeyPackage> keyPackages;
        long mailboxAcked;
        /** The latest device certificate, as a credential (none without an identity issuer). */
        Optional<Credential.X509> certificate;

        DeviceRecord(DeviceId self, CipherSuite suite, SignatureKeyPair keys, List<StoredKeyPackage> keyPackages,
                long mailboxAcked, Optional<Credential.X509> certificate) {
            this.self = self;
            this.suite = suite;
            this.keys = keys;
            this.keyPackages = new ArrayList<>(keyPackages);
            this.mailboxAcked = mailboxAcked;
            this.certificate = certificate;
        }

        byte[] encode() {
            TlsWriter w = new TlsWriter(4096);
            w.u8(DEVICE_VERSION);
            w.opaque(self.userId().getBytes(StandardCharsets.UTF_8));
            w.opaque(self.deviceId().getBytes(StandardCharsets.UTF_8));
            w.u16(suite.id().wire());
            w.opaque(keys.privateKey().reveal());
            w.opaque(keys.publicKey().bytes());
            w.vector(keyPackages, (wr, kp) -> {
                wr.opaque(kp.message().unsafeArray());
                wr.opaque(kp.bundle().initKeyPair().privateKey().reveal());
                wr.opaque(kp.bundle().encryptionKeyPair().privateKey().reveal());
            });
            w.u64(mailboxAcked);
            w.optional(certificate, (wr, c) -> c.encode(wr));
            byte[] out = w.toByteArray();
            w.wipe();
            return out;
        }

        static DeviceRecord decode(byte[] data) {
            TlsReader r = new TlsReader(data);
            int version = r.u8();
            if (version != VERSION && version != DEVICE_VERSION) {
                throw new DecodeException("device state version " + version);
            }
            String user = utf8(r.opaque());
            String device = utf8(r.opaque());
            DeviceId self = DeviceId.of(user, device).orElseThrow(() -> new DecodeException("bad device id"));
            int wire = r.u16();
            CipherSuite suite = BcCipherSuites.byWire(wire)
                    .orElseThrow(() -> new DecodeException("unsupported cipher suite " + wire));
            SignatureKeyPair keys = new SignatureKeyPair(new SignaturePrivateKey(r.opaque()),
                    new SignaturePublicKey(r.opaque()));
            List<StoredKeyPackage> kps = r.vector(rd -> {
                Bytes message = Bytes.wrap(rd.opaque());
                HpkePrivateKey init = new HpkePrivateKey(rd.opaque());
                HpkePrivateKey enc = new HpkePrivateKey(rd.opaque());
                if (!(MlsMessage.fromBytes(message.unsafeArray()) instanceof MlsMessage.OfKeyPackage kp)) {
                    throw new DecodeException("a stored KeyPackage is not a KeyPackage");
                }
                try {
                    KeyPackageBundle bundle = KeyPackageBundle.of(suite, kp.keyPackage(),
                            new HpkeKeyPair(init, suite.hpkePublicKey(init)),
                            new HpkeKeyPair(enc, suite.hpkePublicKey(enc)), keys);
                    return new StoredKeyPackage(message, bundle);
                } catch (MlsException e) {
                    throw new DecodeException("a stored KeyPackage does not match its keys");
                }
            });
            long mailbox = r.u64();
            Optional<Credential.X509> certificate = version == VERSION ? Optional.empty() : r.optional(rd -> {
                if (!(Credential.decode(rd) instanceof Credential.X509 x)) {
                    throw new DecodeException("the stored certificate is not an x509 credential");
                }
                return x;
            });
            r.finish();
            return new DeviceRecord(self, suite, keys, kps, mailbox, certificate);
        }
    }

    /** One group: its MLS state and the client's position in the group's message sequence. */
    record GroupRecord(Bytes groupId, long processedSeq, Set<Bytes> ownSent, boolean removed, byte[] groupState,
            Optional<Frame.WelcomeDelivery> pendingWelcome) {

        static GroupRecord of(GroupSession s) {
            Group group = s.group;
            boolean removed = group == null || group.status() == Group.Status.REMOVED;
            return new GroupRecord(s.id, s.processedSeq, s.ownSent.keySet(), removed,
                    removed ? new byte[0] : group.toBytes(), s.pendingWelcome);
        }

        byte[] encode() {
            TlsWriter w = new TlsWriter(groupState.length + 256);
            w.u8(VERSION);
            w.opaque(groupId.unsafeArray());
            w.u64(processedSeq);
            w.vector(ownSent, (wr, h) -> wr.opaque(h.unsafeArray()));
            w.bool(removed);
            w.opaque(groupState);
            w.optional(pendingWelcome, (wr, pw) -> {
                wr.u64(pw.mailboxSeq());
                wr.u64(pw.groupSeq());
                wr.opaque(pw.welcome().unsafeArray());
            });
            byte[] out = w.toByteArray();
            w.wipe();
            java.util.Arrays.fill(groupState, (byte) 0);
            return out;
        }

        static GroupRecord decode(byte[] data) {
            TlsReader r = new TlsReader(data);
            int version = r.u8();
            if (version != VERSION) {
                throw new DecodeException("group state version " + version);
            }
            Bytes id = Bytes.wrap(r.opaque());
            long seq = r.u64();
            Set<Bytes> own = new LinkedHashSet<>(r.vector(rd -> Bytes.wrap(rd.opaque())));
            boolean removed = r.bool();
            byte[] state = r.opaque();
            Optional<Frame.WelcomeDelivery> pending = r.optional(rd -> {
                long mailboxSeq = rd.u64();
                long groupSeq = rd.u64();
                return new Frame.WelcomeDelivery(mailboxSeq, id, groupSeq, Bytes.wrap(rd.opaque()));
            });
            r.finish();
            return new GroupRecord(id, seq, own, removed, state, pending);
        }

        /** The restored group (null once removed). */
        Group restore(GroupConfig config) {
            return removed ? null : Group.restore(groupState, config);
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
