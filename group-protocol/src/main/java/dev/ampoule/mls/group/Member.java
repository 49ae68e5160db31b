package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.tree.LeafNode;

/**
 * A member of the group as its leaf shows it (RFC 9420 §7.2): leaf index, credential and signature
 * key, and the whole LeafNode for anything else (capabilities, extensions).
 */
public record Member(int leafIndex, Credential credential, SignaturePublicKey signatureKey, LeafNode leafNode) {

    static Member of(int leafIndex, LeafNode leaf) {
        return new Member(leafIndex, leaf.credential(), leaf.signatureKey(), leaf);
    }
}
