package dev.ampoule.mls.group;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.message.KeyPackage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a Commit covers and produces (RFC 9420 §12.4.1). By default a Commit covers every proposal
 * received in the epoch (by reference, keeping those that form a valid list: a Remove wins over an
 * Update of the same leaf, the latest Update wins, the committer's own Updates and a Remove of the
 * committer are left out), carries an UpdatePath only when §12.4 requires one, and puts the
 * ratchet tree into the Welcome's GroupInfo. Proposals given here are carried by value.
 */
public final class CommitOptions {

    private final boolean includePendingProposals;
    private final List<KeyPackage> adds;
    private final List<Integer> removes;
    private final List<byte[]> externalPsks;
    private final List<Long> resumptionPsks;
    private final Optional<List<Extension>> groupContextExtensions;
    private final boolean forcePath;
    private final boolean ratchetTreeInWelcome;
    private final boolean groupInfoForExternalJoin;
    private final byte[] authenticatedData;

    private CommitOptions(Builder b) {
        this.includePendingProposals = b.includePendingProposals;
        this.adds = List.copyOf(b.adds);
        this.removes = List.copyOf(b.removes);
        this.externalPsks = List.copyOf(b.externalPsks);
        this.resumptionPsks = List.copyOf(b.resumptionPsks);
        this.groupContextExtensions = b.groupContextExtensions;
        this.forcePath = b.forcePath;
        this.ratchetTreeInWelcome = b.ratchetTreeInWelcome;
        this.groupInfoForExternalJoin = b.groupInfoForExternalJoin;
        this.authenticatedData = b.authenticatedData.clone();
    }

    /** Commit every pending proposal, path only when required. */
    public static CommitOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean includePendingProposals() {
        return includePendingProposals;
    }

    public List<KeyPackage> adds() {
        return adds;
    }

    public List<Integer> removes() {
        return removes;
    }

    public List<byte[]> externalPsks() {
        return externalPsks;
    }

    public List<Long> resumptionPsks() {
        return resumptionPsks;
    }

    public Optional<List<Extension>> groupContextExtensions() {
        return groupContextExtensions;
    }

    public boolean forcePath() {
        return forcePath;
    }

    public boolean ratchetTreeInWelcome() {
        return ratchetTreeInWelcome;
    }

    public boolean groupInfoForExternalJoin() {
        return groupInfoForExternalJoin;
    }

    public byte[] authenticatedData() {
        return authenticatedData.clone();
    }

    /** Builder of {@link CommitOptions}. */
    public static final class Builder {
        private boolean includePendingProposals = true;
        private final List<KeyPackage> adds = new ArrayList<>();
        private final List<Integer> removes = new ArrayList<>();
        private final List<byte[]> externalPsks = new ArrayList<>();
        private final List<Long> resumptionPsks = new ArrayList<>();
        private Optional<List<Extension>> groupContextExtensions = Optional.empty();
        private boolean forcePath;
        private boolean ratchetTreeInWelcome = true;
        private boolean groupInfoForExternalJoin;
        private byte[] authenticatedData = new byte[0];

        private Builder() {}

        /** Whether the proposals received in the epoch are covered by reference (default true). */
        public Builder includePendingProposals(boolean include) {
            this.includePendingProposals = include;
            return this;
        }

        /** Adds the client of {@code keyPackage} (an Add by value). */
        public Builder add(KeyPackage keyPackage) {
            adds.add(Objects.requireNonNull(keyPackage));
            return this;
        }

        /** Removes the member at {@code leafIndex} (a Remove by value). */
        public Builder remove(int leafIndex) {
            removes.add(leafIndex);
            return this;
        }

        /** Injects the external PSK {@code pskId} with a fresh nonce (a PreSharedKey by value). */
        public Builder externalPsk(byte[] pskId) {
            externalPsks.add(pskId.clone());
            return this;
        }

        /** Injects the resumption PSK of this group's {@code epoch} (usage application). */
        public Builder resumptionPsk(long epoch) {
            resumptionPsks.add(epoch);
            return this;
        }

        /** Replaces the GroupContext extensions (a GroupContextExtensions by value). */
        public Builder groupContextExtensions(List<Extension> extensions) {
            this.groupContextExtensions = Optional.of(List.copyOf(extensions));
            return this;
        }

        /** Always include an UpdatePath, for forward secrecy and post-compromise security. */
        public Builder forcePath(boolean force) {
            this.forcePath = force;
            return this;
        }

        /** Whether the Welcome's GroupInfo carries the ratchet_tree extension (default true). */
        public Builder ratchetTreeInWelcome(boolean include) {
            this.ratchetTreeInWelcome = include;
            return this;
        }

        /** Also produce a GroupInfo of the new epoch with external_pub and the ratchet tree. */
        public Builder groupInfoForExternalJoin(boolean produce) {
            this.groupInfoForExternalJoin = produce;
            return this;
        }

        /** The Commit's {@code authenticated_data}. */
        public Builder authenticatedData(byte[] data) {
            this.authenticatedData = data.clone();
            return this;
        }

        public CommitOptions build() {
            return new CommitOptions(this);
        }
    }
}
