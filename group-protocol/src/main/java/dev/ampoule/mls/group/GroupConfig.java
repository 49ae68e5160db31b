package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.AuthenticationService;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.schedule.RatchetWindow;
import dev.ampoule.mls.tree.Capabilities;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a member (or the Delivery Service's {@link PublicGroup}) runs a group: the application's
 * policies and the local limits. Immutable; made with {@link #builder()}. Only
 * {@link Builder#authenticationService} has no default.
 *
 * <ul>
 *   <li>{@code ratchetWindow}: out-of-order tolerance of the sender ratchets (RFC 9420 §15.3),
 *       default {@link RatchetWindow#DEFAULT};</li>
 *   <li>{@code pastEpochs}: how many past epochs keep their secret trees for late application
 *       messages, default 2; then they are destroyed (deletion schedule,
 *       RFC 9420 §9.2);</li>
 *   <li>{@code resumptionPsks}: how many epochs' resumption PSKs are retained (§8.6), default 16;</li>
 *   <li>{@code paddingBlockSize}: PrivateMessage content is padded to a multiple of this many
 *       bytes (§15.1), default 32, 0 for none;</li>
 *   <li>{@code handshakeFormat}: proposals and commits go out as PublicMessage (default, so the
 *       Delivery Service can validate them) or PrivateMessage;</li>
 *   <li>{@code clock}, {@code verifyLifetimes}, {@code maxLeafLifetime}: lifetime checks of
 *       KeyPackage leaves (§7.2, §7.3), default on with a maximum of 365 days;</li>
 *   <li>{@code capabilities}, {@code leafLifetime}: the member's own leaf in groups it creates or
 *       joins by external commit;</li>
 *   <li>{@code requiredCapabilities}, {@code externalSenders}: GroupContext extensions of groups
 *       created with this configuration (§11.1, §12.1.8.1);</li>
 *   <li>{@code pskLookup}: external PSKs and other groups' resumption PSKs (§8.4).</li>
 * </ul>
 */
public final class GroupConfig {

    /** Capabilities advertising protocol mls10, all seven cipher suites and basic and X.509 credentials. */
    public static final Capabilities DEFAULT_CAPABILITIES = new Capabilities(List.of(Capabilities.MLS10),
            Arrays.stream(CipherSuiteId.values()).map(CipherSuiteId::wire).toList(), List.of(), List.of(),
            List.of(Credential.BASIC, Credential.X509));

    private final RatchetWindow ratchetWindow;
    private final int pastEpochs;
    private final int resumptionPsks;
    private final int paddingBlockSize;
    private final WireFormat handshakeFormat;
    private final AuthenticationService authenticationService;
    private final Clock clock;
    private final boolean verifyLifetimes;
    private final Optional<Duration> maxLeafLifetime;
    private final Capabilities capabilities;
    private final Duration leafLifetime;
    private final Optional<RequiredCapabilities> requiredCapabilities;
    private final List<ExternalSender> externalSenders;
    private final PskLookup pskLookup;

    private GroupConfig(Builder b) {
        this.ratchetWindow = b.ratchetWindow;
        this.pastEpochs = b.pastEpochs;
        this.resumptionPsks = b.resumptionPsks;
        this.paddingBlockSize = b.paddingBlockSize;
        this.handshakeFormat = b.handshakeFormat;
        this.authenticationService = b.authenticationService;
        this.clock = b.clock;
        this.verifyLifetimes = b.verifyLifetimes;
        this.maxLeafLifetime = b.maxLeafLifetime;
        this.capabilities = b.capabilities;
        this.leafLifetime = b.leafLifetime;
        this.requiredCapabilities = b.requiredCapabilities;
        this.externalSenders = List.copyOf(b.externalSenders);
        this.pskLookup = b.pskLookup;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.ratchetWindow = ratchetWindow;
        b.pastEpochs = pastEpochs;
        b.resumptionPsks = resumptionPsks;
        b.paddingBlockSize = paddingBlockSize;
        b.handshakeFormat = handshakeFormat;
        b.authenticationService = authenticationService;
        b.clock = clock;
        b.verifyLifetimes = verifyLifetimes;
        b.maxLeafLifetime = maxLeafLifetime;
        b.capabilities = capabilities;
        b.leafLifetime = leafLifetime;
        b.requiredCapabilities = requiredCapabilities;
        b.externalSenders = externalSenders;
        b.pskLookup = pskLookup;
        return b;
    }

    public RatchetWindow ratchetWindow() {
        return ratchetWindow;
    }

    public int pastEpochs() {
        return pastEpochs;
    }

    public int resumptionPsks() {
        return resumptionPsks;
    }

    public int paddingBlockSize() {
        return paddingBlockSize;
    }

    public WireFormat handshakeFormat() {
        return handshakeFormat;
    }

    public AuthenticationService authenticationService() {
        return authenticationService;
    }

    public Clock clock() {
        return clock;
    }

    public boolean verifyLifetimes() {
        return verifyLifetimes;
    }

    /** The longest total lifetime accepted for a KeyPackage leaf; empty for no limit. */
    public Optional<Duration> maxLeafLifetime() {
        return maxLeafLifetime;
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    public Duration leafLifetime() {
        return leafLifetime;
    }

    public Optional<RequiredCapabilities> requiredCapabilities() {
        return requiredCapabilities;
    }

    public List<ExternalSender> externalSenders() {
        return externalSenders;
    }

    public PskLookup pskLookup() {
        return pskLookup;
    }

    /** Padding that brings {@code contentLength} to the next multiple of the block size (§15.1). */
    int paddingFor(int contentLength) {
        if (paddingBlockSize <= 1) {
            return 0;
        }
        int rem = contentLength % paddingBlockSize;
        return rem == 0 ? 0 : paddingBlockSize - rem;
    }

    @Override
    public String toString() {
        return "GroupConfig[window=" + ratchetWindow + ", pastEpochs=" + pastEpochs + ", handshake="
                + handshakeFormat + "]";
    }

    /** Builder of {@link GroupConfig}. */
    public static final class Builder {
        private RatchetWindow ratchetWindow = RatchetWindow.DEFAULT;
        private int pastEpochs = 2;
        private int resumptionPsks = 16;
        private int paddingBlockSize = 32;
        private WireFormat handshakeFormat = WireFormat.PUBLIC_MESSAGE;
        private AuthenticationService authenticationService;
        private Clock clock = Clock.systemUTC();
        private boolean verifyLifetimes = true;
        private Optional<Duration> maxLeafLifetime = Optional.of(Duration.ofDays(365));
        private Capabilities capabilities = DEFAULT_CAPABILITIES;
        private Duration leafLifetime = Duration.ofDays(90);
        private Optional<RequiredCapabilities> requiredCapabilities = Optional.empty();
        private List<ExternalSender> externalSenders = List.of();
        private PskLookup pskLookup = PskLookup.none();

        private Builder() {}

        public Builder ratchetWindow(RatchetWindow window) {
            this.ratchetWindow = Objects.requireNonNull(window);
            return this;
        }

        public Builder pastEpochs(int count) {
            this.pastEpochs = nonNegative(count);
            return this;
        }

        public Builder resumptionPsks(int count) {
            this.resumptionPsks = nonNegative(count);
            return this;
        }

        public Builder paddingBlockSize(int bytes) {
            this.paddingBlockSize = nonNegative(bytes);
            return this;
        }

        /** {@link WireFormat#PUBLIC_MESSAGE} or {@link WireFormat#PRIVATE_MESSAGE}. */
        public Builder handshakeFormat(WireFormat format) {
            if (format != WireFormat.PUBLIC_MESSAGE && format != WireFormat.PRIVATE_MESSAGE) {
                throw new InternalException("handshake messages are public or private messages");
            }
            this.handshakeFormat = format;
            return this;
        }

        public Builder authenticationService(AuthenticationService service) {
            this.authenticationService = Objects.requireNonNull(service);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder verifyLifetimes(boolean verify) {
            this.verifyLifetimes = verify;
            return this;
        }

        public Builder maxLeafLifetime(Duration max) {
            this.maxLeafLifetime = Optional.of(max);
            return this;
        }

        /** Accept leaves of any total lifetime (the current time must still lie within it). */
        public Builder unlimitedLeafLifetime() {
            this.maxLeafLifetime = Optional.empty();
            return this;
        }

        public Builder capabilities(Capabilities capabilities) {
            this.capabilities = Objects.requireNonNull(capabilities);
            return this;
        }

        public Builder leafLifetime(Duration lifetime) {
            this.leafLifetime = Objects.requireNonNull(lifetime);
            return this;
        }

        public Builder requiredCapabilities(RequiredCapabilities required) {
            this.requiredCapabilities = Optional.of(required);
            return this;
        }

        public Builder externalSenders(List<ExternalSender> senders) {
            this.externalSenders = List.copyOf(senders);
            return this;
        }

        public Builder pskLookup(PskLookup lookup) {
            this.pskLookup = Objects.requireNonNull(lookup);
            return this;
        }

        /** @throws InternalException when no Authentication Service was set */
        public GroupConfig build() {
            if (authenticationService == null) {
                throw new InternalException("GroupConfig needs an AuthenticationService");
            }
            return new GroupConfig(this);
        }

        private static int nonNegative(int v) {
            if (v < 0) {
                throw new InternalException("must not be negative");
            }
            return v;
        }
    }
}
