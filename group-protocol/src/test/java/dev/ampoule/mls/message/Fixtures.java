package dev.ampoule.mls.message;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Freshly generated KeyPackages and leaves for unit tests. */
public final class Fixtures {

    public static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);

    /** A client's KeyPackage with its private keys. */
    public record Client(KeyPackage keyPackage, HpkeKeyPair initKey, HpkeKeyPair leafKey, SignatureKeyPair signatureKey) {}

    private Fixtures() {}

    public static Capabilities capabilities() {
        return new Capabilities(List.of(Capabilities.MLS10), List.of(1), List.of(), List.of(), List.of(Credential.BASIC));
    }

    public static Client client(String name) {
        SignatureKeyPair sig = SUITE.generateSignatureKeyPair();
        HpkeKeyPair leafKey = SUITE.generateHpkeKeyPair();
        HpkeKeyPair initKey = SUITE.generateHpkeKeyPair();
        LeafNode leaf = LeafNode.create(SUITE, sig.privateKey(), leafKey.publicKey(), sig.publicKey(),
                new Credential.Basic(name.getBytes(StandardCharsets.UTF_8)), capabilities(),
                new LeafNodeSource.KeyPackage(new Lifetime(0, -1L)), List.of(), null, 0);
        KeyPackage kp = KeyPackage.create(SUITE, sig.privateKey(), initKey.publicKey(), leaf, List.of());
        return new Client(kp, initKey, leafKey, sig);
    }

    /** A leaf for an Update proposal in {@code groupId} at {@code leafIndex}. */
    public static LeafNode updateLeaf(Client client, byte[] groupId, int leafIndex) {
        LeafNode old = client.keyPackage().leafNode();
        return LeafNode.create(SUITE, client.signatureKey().privateKey(), SUITE.generateHpkeKeyPair().publicKey(),
                old.signatureKey(), old.credential(), old.capabilities(), new LeafNodeSource.Update(), List.of(),
                groupId, leafIndex);
    }
}
