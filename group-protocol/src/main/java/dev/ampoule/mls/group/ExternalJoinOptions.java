package dev.ampoule.mls.group;

import dev.ampoule.mls.extension.Extension;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Options of an external join (RFC 9420 §12.4.3.2): a resync that removes the joiner's old leaf,
 * external PSKs to inject, the new leaf's extensions, and the Commit's authenticated data. The
 * leaf's capabilities come from the {@link GroupConfig}.
 */
public final class ExternalJoinOptions {

    private final OptionalInt resyncLeaf;
    private final List<byte[]> externalPsks;
    private final List<Extension> leafExtensions;
    private final byte[] authenticatedData;

    private ExternalJoinOptions(Builder b) {
        this.resyncLeaf = b.resyncLeaf;
        this.externalPsks = List.copyOf(b.externalPsks);
        this.leafExtensions = List.copyOf(b.leafExtensions);
        this.authenticatedData = b.authenticatedData.clone();
    }

    /** A plain join. */
    public static ExternalJoinOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The joiner's old leaf to remove (a "resync" commit), if any. */
    public OptionalInt resyncLeaf() {
        return resyncLeaf;
    }

    public List<byte[]> externalPsks() {
        return externalPsks;
    }

    public List<Extension> leafExtensions() {
        return leafExtensions;
    }

    public byte[] authenticatedData() {
        return authenticatedData.clone();
    }

    /** Builder of {@link ExternalJoinOptions}. */
    public static final class Builder {
        private OptionalInt resyncLeaf = OptionalInt.empty();
        private final List<byte[]> externalPsks = new ArrayList<>();
        private List<Extension> leafExtensions = List.of();
        private byte[] authenticatedData = new byte[0];

        private Builder() {}

        /**
         * Resync: the Commit also removes {@code oldLeaf}, this client's previous appearance in the
         * group; the new leaf's credential must be an acceptable successor of the old one.
         */
        public Builder resync(int oldLeaf) {
            this.resyncLeaf = OptionalInt.of(oldLeaf);
            return this;
        }

        public Builder externalPsk(byte[] pskId) {
            externalPsks.add(pskId.clone());
            return this;
        }

        public Builder leafExtensions(List<Extension> extensions) {
            this.leafExtensions = List.copyOf(extensions);
            return this;
        }

        public Builder authenticatedData(byte[] data) {
            this.authenticatedData = data.clone();
            return this;
        }

        public ExternalJoinOptions build() {
            return new ExternalJoinOptions(this);
        }
    }
}
