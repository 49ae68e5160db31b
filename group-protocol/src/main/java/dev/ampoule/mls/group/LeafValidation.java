package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Leaf node validation against the group (RFC 9420 §7.3) and KeyPackage validation (§10.1): what
 * the wire structs cannot check on their own because it depends on the group's extensions, its
 * members' credential types and the application's Authentication Service and clock.
 */
final class LeafValidation {

    private LeafValidation() {}

    /**
     * The credential types of a tree's members: those in use, and those every member supports
     * (§7.3, §13.3). Kept as counts per credential type, so that a Commit updates it with the
     * leaves it changes ({@link #replacing}) instead of a pass over all N leaves. Immutable.
     */
    static final class CredentialSummary {

        /** No members: nothing constrains a leaf. */
        static final CredentialSummary EMPTY = new CredentialSummary(0, Map.of(), Map.of());

        private final int members;
        /** Credential type to the number of members whose credential has that type. */
        private final Map<Integer, Integer> inUseCounts;
        /** Credential type to the number of members whose capabilities list it. */
        private final Map<Integer, Integer> supportCounts;
        private final Set<Integer> inUse;
        private final Set<Integer> supportedByAll;

        private CredentialSummary(int members, Map<Integer, Integer> inUseCounts,
                Map<Integer, Integer> supportCounts) {
            this.members = members;
            this.inUseCounts = Map.copyOf(inUseCounts);
            this.supportCounts = Map.copyOf(supportCounts);
            this.inUse = Set.copyOf(inUseCounts.keySet());
            Set<Integer> all = new HashSet<>();
            supportCounts.forEach((type, count) -> {
                if (count == members) {
                    all.add(type);
                }
            });
            this.supportedByAll = Set.copyOf(all);
        }

        /** One pass over the leaves of {@code tree}. */
        static CredentialSummary of(RatchetTree tree) {
            Counts c = new Counts(0, Map.of(), Map.of());
            for (int leaf : tree.occupiedLeaves()) {
                c.add(tree.leaf(leaf).orElseThrow());
            }
            return c.summary();
        }

        /**
         * The summary after the leaves in {@code before} became those in {@code after} (blank leaves
         * absent from either list): O(number of leaves changed).
         */
        CredentialSummary replacing(List<LeafNode> before, List<LeafNode> after) {
            Counts c = new Counts(members, inUseCounts, supportCounts);
            before.forEach(c::remove);
            after.forEach(c::add);
            return c.summary();
        }

        /** Credential types of the members. */
        Set<Integer> inUse() {
            return inUse;
        }

        /** Credential types every member supports (empty without members). */
        Set<Integer> supportedByAll() {
            return supportedByAll;
        }

        /** Mutable counts while a summary is computed. */
        private static final class Counts {
            private int members;
            private final Map<Integer, Integer> inUse;
            private final Map<Integer, Integer> support;

            Counts(int members, Map<Integer, Integer> inUse, Map<Integer, Integer> support) {
                this.members = members;
                this.inUse = new HashMap<>(inUse);
                this.support = new HashMap<>(support);
            }

            void add(LeafNode leaf) {
                members++;
                inUse.merge(leaf.credential().type(), 1, Integer::sum);
                for (int type : Set.copyOf(leaf.capabilities().credentials())) {
                    support.merge(type, 1, Integer::sum);
                }
            }

            void remove(LeafNode leaf) {
                members--;
                inUse.computeIfPresent(leaf.credential().type(), (k, v) -> v == 1 ? null : v - 1);
                for (int type : Set.copyOf(leaf.capabilities().credentials())) {
                    support.computeIfPresent(type, (k, v) -> v == 1 ? null : v - 1);
                }
            }

            CredentialSummary summary() {
                return new CredentialSummary(members, inUse, support);
            }
        }
    }

    /** @throws ValidationException with {@link GroupRule#DUPLICATE_EXTENSION_TYPE} */
    static void requireUniqueTypes(List<Extension> extensions) {
        if (!Extension.typesAreUnique(extensions)) {
            throw new ValidationException(GroupRule.DUPLICATE_EXTENSION_TYPE);
        }
    }

    /** The group's required_capabilities, if any. */
    static Optional<RequiredCapabilities> requiredCapabilities(List<Extension> groupExtensions) {
        return Extension.find(groupExtensions, ExtensionType.REQUIRED_CAPABILITIES)
                .map(e -> parse(() -> e.parse(RequiredCapabilities::decode)));
    }

    /** The group's external_senders, if any. */
    static Optional<ExternalSenders> externalSenders(List<Extension> groupExtensions) {
        return Extension.find(groupExtensions, ExtensionType.EXTERNAL_SENDERS)
                .map(e -> parse(() -> e.parse(ExternalSenders::decode)));
    }

    private interface Parse<T> {
        T run();
    }

    private static <T> T parse(Parse<T> p) {
        try {
            return p.run();
        } catch (DecodeException e) {
            throw new ValidationException(GroupRule.GROUP_EXTENSION_MALFORMED);
        }
    }

    /**
     * Checks the payloads of the GroupContext extensions this library interprets, so a malformed
     * one is refused when it is proposed rather than when it is used.
     */
    static void checkGroupExtensions(List<Extension> groupExtensions) {
        requireUniqueTypes(groupExtensions);
        requiredCapabilities(groupExtensions);
        externalSenders(groupExtensions);
    }

    /**
     * Validates the credential of every external sender (RFC 9420 §5.3.1, §12.1.8.1) that is not
     * already among {@code known}.
     */
    static void validateExternalSenders(GroupConfig config, CipherSuite suite, List<Extension> groupExtensions,
            List<ExternalSenders.ExternalSender> known) {
        for (ExternalSenders.ExternalSender s : externalSenders(groupExtensions).map(ExternalSenders::senders)
                .orElse(List.of())) {
            if (!known.contains(s)) {
                config.authenticationService().validate(s.credential(), s.signatureKey(), suite.id(),
                        CredentialContext.EXTERNAL_SENDER);
            }
        }
    }

    /**
     * The checks of §7.3 that hold for every leaf wherever it appears: the credential (Authentication
     * Service), the leaf's own credential type and extensions listed in its capabilities, the
     * group's required capabilities and extensions supported, and credential types compatible with
     * the members in {@code summary}.
     */
    static void checkPolicy(GroupConfig config, CipherSuite suite, LeafNode leaf, List<Extension> groupExtensions,
            CredentialSummary summary, CredentialContext where) {
        config.authenticationService().validate(leaf.credential(), leaf.signatureKey(), suite.id(), where);
        checkCapabilities(leaf, groupExtensions);
        Capabilities caps = leaf.capabilities();
        if (!summary.inUse().isEmpty() && !summary.supportedByAll().contains(leaf.credential().type())) {
            throw new ValidationException(GroupRule.LEAF_CREDENTIAL_TYPE_NOT_SUPPORTED,
                    "credential type " + leaf.credential().type());
        }
        if (!caps.credentials().containsAll(summary.inUse())) {
            throw new ValidationException(GroupRule.LEAF_MISSING_CREDENTIAL_TYPES);
        }
    }

    /**
     * The capability checks of §7.2, §7.3 and §13.4 that need no other member: own credential type
     * and extensions listed, required capabilities met, every GroupContext extension supported.
     */
    static void checkCapabilities(LeafNode leaf, List<Extension> groupExtensions) {
        Capabilities caps = leaf.capabilities();
        requireUniqueTypes(leaf.extensions());
        if (!caps.credentials().contains(leaf.credential().type())) {
            throw new ValidationException(GroupRule.LEAF_CREDENTIAL_TYPE_NOT_LISTED);
        }
        for (Extension e : leaf.extensions()) {
            if (!caps.supportsExtension(e.type())) {
                throw new ValidationException(GroupRule.LEAF_EXTENSION_NOT_IN_CAPABILITIES, "type " + e.type());
            }
        }
        Optional<RequiredCapabilities> required = requiredCapabilities(groupExtensions);
        if (required.isPresent() && !caps.satisfies(required.get())) {
            throw new ValidationException(GroupRule.LEAF_REQUIRED_CAPABILITIES);
        }
        for (Extension e : groupExtensions) {
            if (!caps.supportsExtension(e.type())) {
                throw new ValidationException(GroupRule.LEAF_GROUP_EXTENSION_UNSUPPORTED, "type " + e.type());
            }
        }
    }

    /** The lifetime of a KeyPackage leaf (§7.2, §7.3), when the configuration checks lifetimes. */
    static void checkLifetime(GroupConfig config, Lifetime lifetime) {
        if (!config.verifyLifetimes()) {
            return;
        }
        long now = config.clock().instant().getEpochSecond();
        if (!lifetime.contains(now)) {
            throw new ValidationException(GroupRule.LEAF_LIFETIME);
        }
        long total = lifetime.notAfter() - lifetime.notBefore();
        if (config.maxLeafLifetime().isPresent()
                && Long.compareUnsigned(total, config.maxLeafLifetime().get().toSeconds()) > 0) {
            throw new ValidationException(GroupRule.LEAF_LIFETIME_TOO_LONG);
        }
    }

    /**
     * KeyPackage validation (§10.1) for the group of {@code context}, whose extensions after the
     * commit are {@code groupExtensions}: version and suite, the KeyPackage and leaf signatures,
     * the leaf source, init key distinct from the encryption key, both keys usable for HPKE, then
     * the leaf policy and lifetime.
     */
    static void validateKeyPackage(GroupConfig config, CipherSuite suite, GroupContext context, KeyPackage kp,
            List<Extension> groupExtensions, CredentialSummary summary) {
        validateKeyPackage(config, suite, context, kp, groupExtensions, summary, KeyPackageSignatures.VERIFY);
    }

    /** Whether {@link #validateKeyPackage} verifies the KeyPackage's two signatures itself. */
    enum KeyPackageSignatures {
        VERIFY,
        /** Verified already, together with those of the other KeyPackages of the Commit. */
        VERIFIED
    }

    static void validateKeyPackage(GroupConfig config, CipherSuite suite, GroupContext context, KeyPackage kp,
            List<Extension> groupExtensions, CredentialSummary summary, KeyPackageSignatures signatures) {
        if (kp.version() != GroupContext.MLS10 || kp.cipherSuite() != context.cipherSuite()) {
            throw new ValidationException(GroupRule.KEY_PACKAGE_VERSION_OR_SUITE);
        }
        switch (signatures) {
            case VERIFY -> kp.validate(suite);
            case VERIFIED -> kp.validateExceptSignatures(suite);
        }
        requireUniqueTypes(kp.extensions());
        requireUsableHpkeKey(suite, kp.initKey());
        requireUsableHpkeKey(suite, kp.leafNode().encryptionKey());
        LeafNode leaf = kp.leafNode();
        checkPolicy(config, suite, leaf, groupExtensions, summary, CredentialContext.KEY_PACKAGE);
        if (leaf.source() instanceof LeafNodeSource.KeyPackage k) {
            checkLifetime(config, k.lifetime());
        }
    }

    /**
     * An HPKE public key the group will encrypt to — a KeyPackage's init key (the Welcome) and its
     * leaf's encryption key (later UpdatePaths) — must accept an encapsulation (RFC 9180 §7.1.4): a
     * key that does not decode, or yields an all-zero shared secret, would otherwise be accepted
     * now and make every later Commit that encrypts to it fail. Checked without an encapsulation
     * ({@link CipherSuite#validateHpkePublicKey}: at most one scalar multiplication instead of two).
     *
     * @throws ValidationException with {@link dev.ampoule.mls.crypto.CryptoRule#INVALID_HPKE_PUBLIC_KEY}
     */
    static void requireUsableHpkeKey(CipherSuite suite, HpkePublicKey key) {
        suite.validateHpkePublicKey(key);
    }

    /**
     * The leaf of an Update proposal from {@code leafIndex} (§7.3, §12.1.2): source update, a
     * signature with the group id and leaf index, a new encryption key, a credential acceptable as
     * successor of the current one, and the leaf policy.
     */
    static void validateUpdateLeaf(GroupConfig config, CipherSuite suite, byte[] groupId, int leafIndex,
            LeafNode leaf, LeafNode current, List<Extension> groupExtensions, CredentialSummary summary) {
        if (!(leaf.source() instanceof LeafNodeSource.Update)) {
            throw new ValidationException(GroupRule.LEAF_SOURCE, "update expected");
        }
        if (!leaf.verifySignature(suite, groupId, leafIndex)) {
            throw new ValidationException(GroupRule.LEAF_SIGNATURE, "leaf " + leafIndex);
        }
        if (leaf.encryptionKey().equals(current.encryptionKey())) {
            throw new ValidationException(GroupRule.UPDATE_ENCRYPTION_KEY_UNCHANGED);
        }
        if (!config.authenticationService().allowsReplacement(current.credential(), leaf.credential())) {
            throw new ValidationException(GroupRule.CREDENTIAL_NOT_SUCCESSOR, "leaf " + leafIndex);
        }
        checkPolicy(config, suite, leaf, groupExtensions, summary, CredentialContext.UPDATE);
    }

    /**
     * The leaf of a commit's UpdatePath (§7.3, §12.4.2; source, signature and key freshness are
     * checked with the path): the leaf policy, and when it replaces a leaf (the committer's own,
     * or the one an external commit removes to resync) a credential acceptable as its successor.
     */
    static void validateCommitLeaf(GroupConfig config, CipherSuite suite, LeafNode leaf, Optional<LeafNode> replaced,
            List<Extension> groupExtensions, CredentialSummary summary) {
        if (!(leaf.source() instanceof LeafNodeSource.Commit)) {
            throw new ValidationException(GroupRule.LEAF_SOURCE, "commit expected");
        }
        if (replaced.isPresent()
                && !config.authenticationService().allowsReplacement(replaced.get().credential(), leaf.credential())) {
            throw new ValidationException(GroupRule.CREDENTIAL_NOT_SUCCESSOR);
        }
        checkPolicy(config, suite, leaf, groupExtensions, summary, CredentialContext.COMMIT_PATH);
    }
}
