package dev.ampoule.mls.tree;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Real, signed leaf nodes for tree and TreeKEM tests. */
public final class TreeFixtures {

    public static final CipherSuite SUITE = BcCipherSuites.byWire(1).orElseThrow();
    public static final byte[] GROUP_ID = "group".getBytes(StandardCharsets.US_ASCII);

    private TreeFixtures() {}

    /** A client: its signature key pair, its leaf's HPKE key pair and its KeyPackage leaf node. */
    public record Client(String name, SignatureKeyPair signer, HpkeKeyPair encryption, LeafNode leaf) {}

    public static Capabilities capabilities() {
        return new Capabilities(List.of(Capabilities.MLS10), List.of(1), List.of(), List.of(),
                List.of(Credential.BASIC));
    }

    public static Client client(String name) {
        SignatureKeyPair signer = SUITE.generateSignatureKeyPair();
        HpkeKeyPair encryption = SUITE.generateHpkeKeyPair();
        LeafNode leaf = LeafNode.create(SUITE, signer.privateKey(), encryption.publicKey(), signer.publicKey(),
                new Credential.Basic(name.getBytes(StandardCharsets.UTF_8)), capabilities(),
                new LeafNodeSource.KeyPackage(new Lifetime(0, -1L)), List.of(), null, 0);
        return new Client(name, signer, encryption, leaf);
    }

    /** A leaf node for an Update proposal of {@code client} at {@code leafIndex}, with a new key. */
    public static LeafNode updateLeaf(Client client, HpkeKeyPair newKey, int leafIndex) {
        LeafNode old = client.leaf();
        return LeafNode.create(SUITE, client.signer().privateKey(), newKey.publicKey(), old.signatureKey(),
                old.credential(), old.capabilities(), new LeafNodeSource.Update(), old.extensions(), GROUP_ID,
                leafIndex);
    }
}
