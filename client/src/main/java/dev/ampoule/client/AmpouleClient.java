package dev.ampoule.client;

import dev.ampoule.client.store.FileStateStore;
import dev.ampoule.client.store.StateStore;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The Ampoule client SDK: one device of one user, talking to the relay (the MLS Delivery Service)
 * over a WebSocket, holding its MLS groups — the care teams it belongs to — and their keys.
 *
 * <pre>{@code
 * AmpouleClient client = AmpouleClient.builder()
 *         .relay(URI.create("ws://127.0.0.1:8080/v1/ws"))
 *         .identity("dr-lee", "phone")                 // the token's subject, and this device
 *         .tokens(() -> myIdentityProvider.freshToken())
 *         .stateStore(Path.of("ampoule-state"), stateKey) // AES key from the platform keystore
 *         .listener(event -> { switch (event) { ... } })
 *         .build();
 * client.connect().join();
 * GroupId team = client.createGroup("care-team-42").join();
 * client.addMembers(team, List.of("nurse-kim", "patient-7")).join();
 * client.send(team, "Blood pressure 128/82 this morning").join();
 * }</pre>
 *
 * <h2>Threading</h2>
 * Every operation returns a {@link CompletableFuture} and never blocks. Futures complete, and the
 * {@link ClientListener} is called, on the <em>callback executor</em> (the builder's, or a single
 * thread of the client's): events arrive one at a time in order. Do not block that executor —
 * in particular do not {@code join()} a future of this client inside a callback; call
 * {@code join()}/{@code get()} from your own threads. A future fails with an
 * {@link AmpouleException}; every future fails with {@link AmpouleException.Reason#TIMEOUT} if it
 * has no outcome within the operation timeout (the operation may still complete in the
 * background).
 *
 * <h2>Delivery</h2>
 * Operations on one group run one at a time, in the order they were called: messages sent from
 * this device reach the group in that order. The listener receives each group's messages and
 * membership changes in the group's order, each once, after the state change is persisted; the
 * device's own messages are not echoed to the listener (the future of {@link #send} gives their
 * sequence number). A dropped connection is re-established with backoff and every group resumes
 * right after its last processed message; requests in flight are sent again (the relay recognises
 * copies). When another member's Commit wins the epoch, this device processes it and performs its
 * own change again on the new epoch.
 *
 * <h2>Care teams and their roster</h2>
 * The relay is the external sender of the groups this client creates ({@link #createGroup}). When a
 * coordinator adds a user to the team's roster or removes one, the relay proposes the change (an
 * Add with a claimed KeyPackage per device, or a Remove per device) and the members commit it by
 * themselves: the member with the lowest leaf index among those not being removed at once, the
 * others after the builder's {@code autoCommitDelay} if it is still pending. The listener hears
 * {@link ClientEvent.MembersAdded} / {@link ClientEvent.MembersRemoved} with {@code byRelay} set,
 * and a removed device {@link ClientEvent.RemovedFromGroup}. Until a removal is committed the relay
 * fences the group: see {@link #send}.
 *
 * <h2>Identity</h2>
 * With an identity issuer and the organisation's trust anchors ({@link Builder#identityIssuer},
 * {@link Builder#trustAnchors}), the device's MLS credential is a certificate of the organisation
 * for its signature key, obtained at {@link #connect()} and renewed two thirds into its lifetime,
 * and every member's certificate is validated against the anchors on this device: the relay cannot
 * make anyone a member under someone else's name. Events carry each member's
 * {@link MemberIdentity} (device, role, verified); a member whose credential fails is refused and
 * reported as {@link ClientEvent.UntrustedMember}. Without anchors the client is in development
 * mode: basic credentials ({@code <user>#<device>}), every member unverified. See IDENTITY.md.
 *
 * <h2>State</h2>
 * The device's signature key, its unused KeyPackages and every group's state (secrets included)
 * are stored in the {@link StateStore}, each blob encrypted with AES-GCM under the app's key, and
 * restored by {@link #connect()}. State is written before a message leaves the device and before
 * a received one is acknowledged to the relay.
 */
public final class AmpouleClient implements AutoCloseable {

    private final ClientEngine engine;

    private AmpouleClient(ClientSettings settings) {
        this.engine = new ClientEngine(settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This device. */
    public DeviceId device() {
        return engine.settings.self();
    }

    /**
     * Restores the local state (or creates this device's identity), connects and authenticates, and
     * makes sure the relay holds enough of this device's KeyPackages (a last-resort one included).
     * Completes when the first connection is up; fails if the relay refuses the token, or if no
     * connection succeeds within the connect timeout. Afterwards the client stays connected until
     * {@link #close()}.
     */
    public CompletableFuture<Void> connect() {
        return engine.toApp(engine.connect());
    }

    /** Whether a connection to the relay is authenticated right now. */
    public boolean isConnected() {
        return engine.isConnected();
    }

    /**
     * Publishes {@code count} new KeyPackages of this device (their private keys are stored first).
     * The client also does this by itself when the relay holds fewer than the low-water mark.
     *
     * @return how many ordinary KeyPackages of this device the relay holds now
     */
    public CompletableFuture<Long> publishKeyPackages(int count) {
        if (count < 0 || count > 1_000) {
            throw new IllegalArgumentException("count must be in 0..1000");
        }
        return engine.toApp(engine.onState(() -> engine.ops.publish(count)));
    }

    /**
     * Creates the MLS group of care team {@code teamId} (group id: the team id's UTF-8 bytes), with
     * this device as its only member and the relay as its external sender: the group's
     * {@code external_senders} extension lists the relay's key for this client's cipher suite
     * (asked once from the relay, then cached), so that the relay can turn the coordinators' roster
     * changes into Add and Remove proposals. A relay that has no external sender for the suite gets a
     * group without one.
     */
    public CompletableFuture<GroupId> createGroup(String teamId) {
        Objects.requireNonNull(teamId, "teamId");
        return engine.toApp(engine.ops.createGroup(teamId));
    }

    /**
     * Adds every device of each user: claims one KeyPackage per device from the relay, commits the
     * Adds and sends the Commit with the Welcome for the new devices. Devices already in the group
     * (and this device) are left out. Fails with NO_KEY_PACKAGE when a user has no KeyPackage.
     */
    public CompletableFuture<CommitResult> addMembers(GroupId groupId, Collection<String> userIds) {
        return engine.toApp(engine.ops.addMembers(groupId, userIds));
    }

    /**
     * Removes every device of each user (this device excepted), in one Commit. In a care team's group
     * the relay refuses the removal of another user's devices (coordinators change the roster
     * instead, and the relay proposes the removal); a user may remove their own other devices.
     */
    public CompletableFuture<CommitResult> removeMembers(GroupId groupId, Collection<String> userIds) {
        return engine.toApp(engine.ops.removeMembers(groupId, userIds));
    }

    /**
     * Encrypts {@code text} for the group's current epoch and sends it; completes with the sequence
     * number the relay accepted it under.
     *
     * <p>While the group is fenced — a coordinator removed someone and the relay refuses messages
     * until a member commits the removal — the text waits in memory (never on disk) and is encrypted
     * again and sent once the removal's Commit has been processed (or after the relay's retry hint);
     * the listener hears {@link ClientEvent.GroupFenced}. Past the builder's {@code fenceTimeout}
     * (default 2 minutes) the future fails with {@link AmpouleException.Reason#FENCED}; its timeout
     * is the longer of the operation timeout and the fence timeout. Fails with NOT_A_MEMBER when a
     * pending proposal removes this device.
     */
    public CompletableFuture<SentMessage> send(GroupId groupId, String text) {
        Objects.requireNonNull(text, "text");
        return engine.toApp(sendContent(groupId, new Content.Text(text)), sendTimeout());
    }

    /** Sends content, then stores its history record (unless history is off). */
    private CompletableFuture<SentMessage> sendContent(GroupId groupId, Content content) {
        return engine.ops.send(groupId, content)
                .thenCompose(sent -> engine.history.record(groupId, Payloads.encode(content), sent));
    }

    /**
     * The history of a group this device can read: the history records the relay serves it (those
     * of its own time in the group, and of the days it was granted) that it holds keys for,
     * decrypted and with their senders' signatures checked, in sequence order.
     */
    public CompletableFuture<GroupHistory> history(GroupId groupId) {
        return engine.toApp(engine.history.read(groupId), engine.settings.transferTimeout());
    }

    /**
     * Grants {@code userId} the group's history a coordinator authorised for them (admin API:
     * {@code PUT /v1/teams/{team}/members/{user}/history}): this device — a coordinator's — sends
     * the user's devices in the group exactly the day keys of the authorised days it holds, sealed
     * to each device's leaf key inside the group; the relay records the grant, audits it, and from
     * then on serves those devices the team's history records and files of those days. Fails with
     * {@code GRANT_NOT_AUTHORISED} when nothing (or less) was authorised, or this device's user is
     * no coordinator; with {@code INVALID_REQUEST} when the user has no device in the group yet.
     */
    public CompletableFuture<HistoryGrant> grantHistory(GroupId groupId, String userId) {
        Objects.requireNonNull(userId, "userId");
        return engine.toApp(engine.history.grant(groupId, userId), engine.settings.transferTimeout());
    }

    /**
     * Sends bytes with their content type (a structured record, a small image): encrypted like text,
     * delivered as {@link Content.Binary}. At most {@value #MAX_BINARY_BYTES} bytes — send larger
     * content as an attachment ({@link #sendAttachment}). Fenced like {@link #send(GroupId, String)}.
     */
    public CompletableFuture<SentMessage> send(GroupId groupId, byte[] data, String contentType) {
        Objects.requireNonNull(contentType, "contentType");
        if (data.length > MAX_BINARY_BYTES) {
            throw new IllegalArgumentException("at most " + MAX_BINARY_BYTES + " bytes in a message: send an attachment");
        }
        Content content = new Content.Binary(contentType, Bytes.of(data));
        Payloads.encode(content); // refuses a content type that is too long, here rather than in the future
        return engine.toApp(sendContent(groupId, content), sendTimeout());
    }

    /** The most bytes {@link #send(GroupId, byte[], String)} sends in one message. */
    public static final int MAX_BINARY_BYTES = 256 << 10;

    /**
     * Sends a file: encrypts it on this device under a fresh random key, in chunks (memory stays
     * bounded whatever its size), uploads it to the relay as an opaque blob of the group, then sends
     * the group a message carrying its reference — key, SHA-256, content type, name and size
     * ({@link Content.File}). The relay refuses a file over its size limit ({@code BLOB_TOO_LARGE})
     * or beyond the team's quota ({@code QUOTA_EXCEEDED}); the future then fails with that code and
     * no message is sent. Times out after the builder's {@code transferTimeout}.
     */
    public CompletableFuture<SentAttachment> sendAttachment(GroupId groupId, Path file, String contentType) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(contentType, "contentType");
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        return engine.toApp(engine.attachments.send(groupId, file, contentType, name), engine.settings.transferTimeout());
    }

    /**
     * Fetches a file a message referred to and writes it to {@code target}, decrypting as it arrives
     * (bounded memory). The file appears only once all of it has decrypted and matched its digest;
     * a blob tampered with, truncated or extended fails with {@link AmpouleException.Reason#INTEGRITY}
     * and leaves nothing. The relay hands the blob only to the group's devices that may read it
     * ({@code FORBIDDEN} after a removal, {@code NOT_GRANTED} for one sent before this device joined
     * without a history grant). Completes with the file's size.
     */
    public CompletableFuture<Long> fetchAttachment(Attachment attachment, Path target) {
        Objects.requireNonNull(attachment, "attachment");
        Objects.requireNonNull(target, "target");
        return engine.toApp(engine.attachments.fetch(attachment, target), engine.settings.transferTimeout());
    }

    /**
     * Shares a record (a document: a discharge letter, a report) with part of a care team: the
     * users with one of {@code roles} on the team's roster and the users named in {@code users}.
     * The file is encrypted once on this device under a fresh key, in chunks, and stored at the
     * relay, which serves it to the current recipients' devices only ({@code NOT_GRANTED} to any
     * other member); its key goes to the recipients' devices sealed to their leaf keys inside the
     * group, where they hear {@link ClientEvent.RecordShared}. Completes with the record (this
     * device's reference to it, key included). Care teams only.
     */
    public CompletableFuture<Attachment> shareRecord(GroupId groupId, Path file, String contentType,
            Collection<String> roles, Collection<String> users) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(contentType, "contentType");
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        return engine.toApp(engine.records.share(groupId, file, contentType, name, Set.copyOf(roles),
                Set.copyOf(users)), engine.settings.transferTimeout());
    }

    /**
     * Hands a record's key again to the devices of everyone it is shared with now — after a
     * coordinator added recipients (admin API {@code PUT /v1/teams/{team}/records/{id}/recipients}),
     * or after a recipient added a device. The record is not re-encrypted. Any device that holds the
     * record (its uploader's, or a recipient's) may do it; the relay refuses
     * ({@code GRANT_NOT_AUTHORISED}) to carry it to anyone the record is not shared with. Completes
     * with the group message's sequence number (0 if there was nobody to hand it to).
     */
    public CompletableFuture<Long> shareRecordKey(Attachment record) {
        Objects.requireNonNull(record, "record");
        return engine.toApp(engine.records.shareKey(record), sendTimeout());
    }

    private Duration sendTimeout() {
        Duration fence = engine.settings.fenceTimeout().plusSeconds(5);
        return fence.compareTo(engine.settings.operationTimeout()) > 0 ? fence : engine.settings.operationTimeout();
    }

    /** The group as this device sees it now. */
    public CompletableFuture<GroupSnapshot> group(GroupId groupId) {
        return engine.toApp(engine.ops.snapshot(groupId));
    }

    /** Every group of this device (including those it was removed from). */
    public CompletableFuture<List<GroupSnapshot>> groups() {
        return engine.toApp(engine.ops.snapshots());
    }

    /**
     * Drops the connection as a network failure would; the client reconnects after its backoff and
     * resumes. For apps that learn the network changed (and for tests).
     */
    public void dropConnection() {
        engine.dropConnection();
    }

    /** Persists what is pending, closes the connection and stops the client's threads. */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "AmpouleClient[" + device() + "]";
    }

    /** Configuration of an {@link AmpouleClient}. */
    public static final class Builder {
        private URI relay;
        private Supplier<String> tokens;
        private String userId;
        private String deviceId;
        private CipherSuiteId suite = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
        private StateStore store;
        private byte[] stateKey;
        private ClientListener listener = e -> { };
        private Executor callbackExecutor;
        private HttpClient httpClient;
        private int keyPackageTarget = 20;
        private int keyPackageLowWater = 5;
        private Duration keyPackageCheckInterval = Duration.ofMinutes(10);
        private Duration operationTimeout = Duration.ofSeconds(60);
        private Duration connectTimeout = Duration.ofSeconds(15);
        private Duration backoffMin = Duration.ofMillis(200);
        private Duration backoffMax = Duration.ofSeconds(10);
        private int outboundCapacity = 4_096;
        private int maxInboundBytes = 16 << 20;
        private Duration autoCommitDelay = Duration.ofSeconds(3);
        private Duration fenceTimeout = Duration.ofMinutes(2);
        private boolean careTeamRules = true;
        private URI identityIssuer;
        private Supplier<String> issuerTokens;
        private final List<X509Certificate> trustAnchors = new ArrayList<>();
        private Boolean allowBasicCredentials;
        private Duration transferTimeout = Duration.ofMinutes(10);
        private java.time.Clock clock = java.time.Clock.systemUTC();
        private boolean keepHistory = true;
        private Duration historyRetention = Duration.ofDays(90);
        private Duration ackDelay = Duration.ofMillis(100);
        private int ackEvery = 50;

        private Builder() {
        }

        /** The relay's WebSocket endpoint, e.g. {@code ws://127.0.0.1:8080/v1/ws} or {@code wss://…/v1/ws}. */
        public Builder relay(URI uri) {
            this.relay = uri;
            return this;
        }

        /**
         * Who this is: the user id (the subject of its tokens) and this device's id
         * ({@code [A-Za-z0-9._-]{1,64}}). The device's MLS credential is its device certificate when
         * an {@link #identityIssuer} is configured, else a basic credential with identity
         * {@code <user>#<device>}.
         */
        public Builder identity(String userId, String deviceId) {
            this.userId = userId;
            this.deviceId = deviceId;
            return this;
        }

        /** The bearer token for each new connection: asked again at every reconnect, so it may refresh. */
        public Builder tokens(Supplier<String> tokens) {
            this.tokens = tokens;
            return this;
        }

        /** A fixed token (for tools and tests). */
        public Builder token(String token) {
            return tokens(() -> token);
        }

        /** The cipher suite of this device's KeyPackages and of the groups it creates (default 0x0001). */
        public Builder cipherSuite(CipherSuiteId suite) {
            this.suite = suite;
            return this;
        }

        /**
         * Where the local state lives and the AES key (16, 24 or 32 bytes) it is encrypted with.
         * The key should come from the platform's keystore; losing it loses the groups.
         */
        public Builder stateStore(StateStore store, byte[] stateKey) {
            this.store = store;
            this.stateKey = stateKey.clone();
            return this;
        }

        /** A {@link FileStateStore} in {@code directory}. */
        public Builder stateStore(Path directory, byte[] stateKey) {
            try {
                return stateStore(new FileStateStore(directory), stateKey);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public Builder listener(ClientListener listener) {
            this.listener = listener;
            return this;
        }

        /** Where futures complete and the listener runs (default: one thread of the client's). */
        public Builder callbackExecutor(Executor executor) {
            this.callbackExecutor = executor;
            return this;
        }

        /** The JDK HttpClient to open WebSockets with (default: a new one; supply one for TLS settings). */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** How many KeyPackages to keep at the relay, and below how many to publish more (defaults 20 and 5). */
        public Builder keyPackages(int target, int lowWater) {
            if (target < 1 || lowWater < 0 || lowWater > target) {
                throw new IllegalArgumentException("need 0 <= lowWater <= target, target >= 1");
            }
            this.keyPackageTarget = target;
            this.keyPackageLowWater = lowWater;
            return this;
        }

        /**
         * How often to ask the relay how many KeyPackages it still holds (others' claims use them up
         * without this device knowing); default 10 minutes. The client also asks after connecting
         * and after each Welcome.
         */
        public Builder keyPackageCheckInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the interval must be positive");
            }
            this.keyPackageCheckInterval = interval;
            return this;
        }

        /** The longest an operation's future waits for its outcome (default 60 s). */
        public Builder operationTimeout(Duration timeout) {
            this.operationTimeout = timeout;
            return this;
        }

        /** How long a connection attempt may take, and how long {@link #connect()} keeps trying (default 15 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Reconnect delays: from {@code min}, doubling, up to {@code max} (defaults 200 ms, 10 s). */
        public Builder reconnectBackoff(Duration min, Duration max) {
            this.backoffMin = min;
            this.backoffMax = max;
            return this;
        }

        /** At most this many frames wait to be written (default 4,096); beyond, requests fail with QUEUE_FULL. */
        public Builder outboundQueue(int frames) {
            this.outboundCapacity = frames;
            return this;
        }

        /**
         * How the device acknowledges what it received (defaults: after 100 ms or 50 messages). A
         * message is acknowledged only once it is processed and the local state holding it is
         * saved; the acknowledgements then wait until {@code delay} has passed since the first of
         * them, or until {@code every} messages are due, and go out together — one frame per group
         * instead of one per message, which is most of what a busy team's devices send the relay.
         * What is not acknowledged yet when the connection drops is delivered again and recognised
         * as already processed. {@code Duration.ZERO} acknowledges after every save. {@code every}
         * must stay below the relay's window of unacknowledged messages ({@code maxInFlight},
         * 1,000 by default), or deliveries wait for the delay.
         */
        public Builder acknowledgements(Duration delay, int every) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("the delay must not be negative");
            }
            if (every < 1) {
                throw new IllegalArgumentException("acknowledge after at least 1 message");
            }
            this.ackDelay = delay;
            this.ackEvery = every;
            return this;
        }

        /**
         * How long a member that is not first in line waits before it commits the relay's pending
         * roster proposals itself (default 3 s). When a coordinator changes a care team's roster the
         * relay sends Add and Remove proposals; the member with the lowest leaf index among those not
         * being removed commits them at once, the next one after this delay, the others after two or
         * three times it — unless a Commit has ended the epoch by then.
         */
        public Builder autoCommitDelay(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("the delay must not be negative");
            }
            this.autoCommitDelay = delay;
            return this;
        }

        /**
         * How long {@link AmpouleClient#send} keeps a message while the relay refuses it because the
         * group is fenced (a roster removal waiting for its Commit) or this device has not caught up
         * with the group's epoch (default 2 minutes). The message waits in memory only; past this
         * limit the send fails with {@link AmpouleException.Reason#FENCED}.
         */
        public Builder fenceTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the timeout must be positive");
            }
            this.fenceTimeout = timeout;
            return this;
        }

        /**
         * Whether this device checks the care-team rules on every Commit of a group that lists the
         * relay as its external sender (default true): a Commit that removes another user's device
         * other than by the relay's proposal, or reinitializes the group or changes its extensions
         * without the relay, is not applied and reported as a {@link ClientEvent.Problem}. Turn it off
         * only for ad hoc groups on a relay without care-team rosters, where members remove each
         * other with {@link AmpouleClient#removeMembers}.
         */
        public Builder careTeamRules(boolean check) {
            this.careTeamRules = check;
            return this;
        }

        /**
         * The organisation's identity issuer (its origin, e.g. {@code https://id.example.org}): at
         * {@link AmpouleClient#connect()} the device obtains a certificate for its signature key —
         * with a token from the same supplier as the relay's ({@link #tokens}), a fresh nonce and a
         * proof that it holds the key — and uses it as its MLS {@code x509} credential in its
         * KeyPackages and the groups it creates; it asks for the next one two thirds into each
         * certificate's lifetime. Requires {@link #trustAnchors}, which the certificate must chain to.
         */
        public Builder identityIssuer(URI issuer) {
            this.identityIssuer = Objects.requireNonNull(issuer);
            return this;
        }

        /** {@link #identityIssuer(URI)} with its own tokens (when the issuer is another audience than the relay). */
        public Builder identityIssuer(URI issuer, Supplier<String> tokens) {
            this.issuerTokens = Objects.requireNonNull(tokens);
            return identityIssuer(issuer);
        }

        /**
         * The organisation's trust anchors: the root certificates members' device certificates must
         * chain to. With anchors, every member's certificate is validated against them (and its
         * device name read); a member whose credential fails is refused — the change that brings it
         * is not applied, and the listener hears {@link ClientEvent.UntrustedMember}. Events carry
         * each member's {@link MemberIdentity}, verified when its certificate validated. Several
         * calls add up.
         */
        public Builder trustAnchors(Collection<X509Certificate> anchors) {
            anchors.forEach(a -> trustAnchors.add(Objects.requireNonNull(a)));
            return this;
        }

        /**
         * Whether members with a basic credential ({@code <user>#<device>}, nobody vouching for it)
         * are accepted — shown as unverified. Default: only when no trust anchor is configured
         * (development mode); set it for ad hoc groups mixing certified and uncertified devices.
         */
        public Builder allowBasicCredentials(boolean allow) {
            this.allowBasicCredentials = allow;
            return this;
        }

        /**
         * The longest an attachment's upload or download may take, all of it (default 10 minutes);
         * each request within it still has the operation timeout.
         */
        public Builder transferTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the timeout must be positive");
            }
            this.transferTimeout = timeout;
            return this;
        }

        /**
         * Whether this device stores, for each message it sends, a history record at the relay
         * (encrypted under the history key of the message's epoch and day, HISTORY.md), and keeps
         * the history secret of every epoch it is in — so that it, and members it grants history
         * to, can read it later (default true). Off, the device's messages have no history.
         */
        public Builder keepHistory(boolean keep) {
            this.keepHistory = keep;
            return this;
        }

        /**
         * How long this device keeps history keys (default 90 days; set it to your teams'
         * retention): the secrets of epochs that ended longer ago, and day keys granted for older
         * days, are destroyed. This is the forward-secrecy trade-off of history: until then, whoever
         * takes this device's state and key can read the team's stored history of those days.
         */
        public Builder historyRetention(Duration retention) {
            if (retention.isNegative()) {
                throw new IllegalArgumentException("the retention must not be negative");
            }
            this.historyRetention = retention;
            return this;
        }

        /** The clock of history days and records (default UTC system time; tests). */
        public Builder clock(java.time.Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public AmpouleClient build() {
            Objects.requireNonNull(relay, "relay");
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(store, "stateStore");
            DeviceId self = DeviceId.of(userId, deviceId).orElseThrow(
                    () -> new IllegalArgumentException("identity: a valid user and device id are required"));
            if (identityIssuer != null && trustAnchors.isEmpty()) {
                throw new IllegalArgumentException("an identity issuer needs the trust anchors its certificates chain to");
            }
            boolean allowBasic = allowBasicCredentials != null ? allowBasicCredentials : trustAnchors.isEmpty();
            if (identityIssuer == null && !allowBasic) {
                throw new IllegalArgumentException("without an identity issuer this device has a basic credential: "
                        + "allow basic credentials");
            }
            return new AmpouleClient(new ClientSettings(relay, tokens, self, suite, store, stateKey, listener,
                    Optional.ofNullable(callbackExecutor), Optional.ofNullable(httpClient), keyPackageTarget,
                    keyPackageLowWater, keyPackageCheckInterval, operationTimeout, connectTimeout, backoffMin,
                    backoffMax, outboundCapacity, maxInboundBytes, autoCommitDelay, fenceTimeout,
                    Optional.ofNullable(identityIssuer), issuerTokens != null ? issuerTokens : tokens,
                    List.copyOf(trustAnchors), allowBasic, careTeamRules, transferTimeout, clock, keepHistory,
                    historyRetention, ackDelay, ackEvery));
        }
    }
}
