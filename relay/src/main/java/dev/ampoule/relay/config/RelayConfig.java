package dev.ampoule.relay.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The relay's configuration. Every setting has a default suited to the embedded single node
 * (127.0.0.1, file store under {@code ./relay-data}, a local development signing key); each can
 * be set in the verticle's {@code config()} JSON (the command line's flags) under its key, in the
 * environment as {@code AMPOULE_RELAY_} + the key in upper snake case ({@code dataDir} →
 * {@code AMPOULE_RELAY_DATA_DIR}), or in the YAML file named by {@code configFile}. Precedence:
 * JSON (flags) over the environment over the file over the defaults ({@link Settings}). A key of
 * the JSON or the file that names no setting is an error.
 */
public final class RelayConfig {

    /** The listener. */
    public final String host;
    /** 0 picks a free port (tests). Default 8443 with TLS, else 8080. */
    public final int port;
    /** PEM certificate chain and private key: with both, the listener serves only TLS ({@code https}, {@code wss}). */
    public final Optional<Path> tlsCertPath;
    public final Optional<Path> tlsKeyPath;
    /**
     * The TLS versions offered ({@code tlsProtocols}, default {@code TLSv1.3} only; {@code TLSv1.2}
     * may be added for old clients, nothing older is accepted).
     */
    public final List<String> tlsProtocols;
    /**
     * The cipher suites offered ({@code tlsCipherSuites}, JDK names; default
     * {@link #DEFAULT_TLS_CIPHER_SUITES}: the TLS 1.3 AEAD suites, and for TLS 1.2 only ECDHE with
     * AES-GCM or ChaCha20-Poly1305 — forward secrecy and authenticated encryption).
     */
    public final List<String> tlsCipherSuites;
    /**
     * PEM file of the certificate authorities whose client certificates the relay accepts
     * ({@code tlsClientCaPath}): mutual TLS for service clients. Absent: no client certificate is
     * asked for.
     */
    public final Optional<Path> tlsClientCaPath;
    /**
     * With {@link #tlsClientCaPath}: whether a connection without a client certificate from those
     * authorities is refused in the handshake ({@code tlsRequireClientAuth}, default false: a
     * certificate is asked for and verified when presented).
     */
    public final boolean tlsRequireClientAuth;
    /**
     * How often the certificate, key and client-CA files are checked for changes; a change is
     * served to new connections without a restart ({@code tlsReloadSeconds}, default 60).
     */
    public final Duration tlsReload;

    /** Where the embedded store and the development key live. */
    public final Path dataDir;
    /** fsync each batch of the log before acknowledging it (only tests of throughput turn this off). */
    public final boolean fsync;
    /**
     * The file store's group-commit window ({@code fsyncGapMicros}, default 1,000 µs, 0 to 100,000):
     * the least time between the starts of two of its fsyncs. Appends arriving meanwhile wait and share
     * the next one, so under load the log is synced at most once per window instead of back to back
     * (each append still completes only once durable); an append after a quiet spell is synced at once.
     */
    public final Duration fsyncGap;
    public final long segmentBytes;

    /**
     * The largest blob (encrypted attachment, history record, shared record) a device may upload
     * ({@code maxBlobBytes}, default 100 MiB; {@code BLOB_TOO_LARGE} beyond).
     */
    public final long maxBlobBytes;
    /**
     * The most bytes of blobs one group (a care team's) may hold at the relay, uploads in progress
     * included ({@code teamBlobQuotaBytes}, default 10 GiB; {@code QUOTA_EXCEEDED} beyond).
     */
    public final long teamBlobQuotaBytes;

    /** Where the relay's durable state lives: the embedded file store (default) or PostgreSQL. */
    public enum StoreKind {
        FILE, POSTGRESQL
    }

    /** {@code store}: {@code file} (default; under {@link #dataDir}) or {@code postgresql}. */
    public final StoreKind store;
    /** {@code postgresUrl}: {@code postgresql://host:port/database} (required with {@code store=postgresql}). */
    public final Optional<String> postgresUrl;
    /** {@code postgresUser}: overrides a user in the URL. */
    public final Optional<String> postgresUser;
    /**
     * {@code postgresPasswordFile}: a file holding the password (a mounted Secret), read at start;
     * else {@code postgresPassword} (in the environment: {@code AMPOULE_RELAY_POSTGRES_PASSWORD}).
     */
    public final Optional<Path> postgresPasswordFile;
    public final Optional<String> postgresPassword;
    /** {@code postgresPoolSize}: connections to PostgreSQL (default 4). */
    public final int postgresPoolSize;

    /**
     * {@code clusterEnabled}: this relay is one node of a cluster (default false). The nodes join a
     * Vert.x clustered event bus over Hazelcast and share one PostgreSQL ({@code store=postgresql} is
     * required); any node serves any device.
     */
    public final boolean clusterEnabled;
    /**
     * {@code clusterHost}: the address this node binds Hazelcast and the event bus to and that the
     * other nodes reach it at (default {@code 127.0.0.1}; in Kubernetes the pod IP).
     */
    public final String clusterHost;
    /** {@code clusterPort}: Hazelcast's membership port (default 5701). */
    public final int clusterPort;
    /** {@code clusterBusPort}: the event bus's TCP port between nodes (default 5711; 0: any free port). */
    public final int clusterBusPort;
    /**
     * {@code clusterMembers}: the other nodes to join ({@code host:port} of their Hazelcast port,
     * comma-separated or a JSON array) — discovery by a fixed member list (loopback, VMs).
     */
    public final List<String> clusterMembers;
    /**
     * {@code clusterKubernetesService}: the DNS name of a headless Kubernetes Service whose
     * addresses are the nodes ({@code ampoule-relay-hazelcast.ns.svc.cluster.local}) — discovery by
     * DNS lookup, instead of {@link #clusterMembers}.
     */
    public final Optional<String> clusterKubernetesService;
    /** {@code clusterName}: nodes join only a cluster of this name (default {@code ampoule}). */
    public final String clusterName;
    /**
     * {@code gatewayInstances}: WebSocket gateway verticles per node, each on its own event loop
     * (default: the number of cores with {@code store=postgresql}; always 1 with the file store,
     * whose log has one writer).
     */
    public final int gatewayInstances;
    /**
     * {@code connectionLoops}: with one gateway (not a cluster), the event loops the relay runs on
     * in all. 1: its own loop, where its state lives, also reads and writes all of its WebSockets
     * and HTTP requests; N more than 1: N − 1 loops besides it do, sharing its port, and hand it
     * what they receive (default 0: one per core).
     */
    public final int connectionLoops;

    /** Expected {@code iss} and {@code aud} of tokens. */
    public final String issuer;
    public final String audience;
    /** Verify tokens against this JWKS (OIDC provider); absent: the local development key. */
    public final Optional<String> jwksUrl;
    public final Duration jwksRefresh;
    public final Duration jwksMinRefetch;
    public final Duration tokenLeeway;
    /**
     * The longest a token may live ({@code maxTokenLifetimeSeconds}, default 24 hours): a token whose
     * {@code exp} lies further ahead than this (plus the leeway), or whose {@code exp} is more than
     * this after its {@code iat}, is refused.
     */
    public final Duration maxTokenLifetime;
    public final Duration ticketTtl;
    /** Browser tickets outstanding at most for one user ({@code ticketsPerUser}, default 5). */
    public final int ticketsPerUser;
    /** Browser tickets outstanding at most in all ({@code maxTickets}, default 100,000). */
    public final int maxTickets;
    public final Duration authTimeout;

    public final int maxFrameBytes;
    public final int messagesPerSecond;
    public final int messageBurst;
    public final int connectionsPerUser;
    public final int maxGroupSize;
    public final int maxKeyPackagesPerDevice;
    public final int claimsPerMinute;
    /** KeyPackage claims of one user's packages by other users, per minute (draining protection). */
    public final int claimsPerTargetPerMinute;
    /** The relay's own KeyPackage claims for one care team's group, per minute (roster put/remove cycles). */
    public final int relayClaimsPerTeamPerMinute;
    /** Device ids one user may register (publish KeyPackages from). */
    public final int maxDevicesPerUser;
    /**
     * When a connection's write queue holds this many bytes it counts as full: the relay stops
     * reading its requests and writing its deliveries until it drains ({@code writeQueueMaxBytes},
     * default 1 MiB).
     */
    public final int writeQueueMaxBytes;
    /**
     * The most bytes queued for one connection; a connection above it is closed at once, as a slow
     * client ({@code maxQueuedBytes}, default 8 MiB or {@code writeQueueMaxBytes} + 2 ×
     * {@code maxFrameBytes} if that is more, which is also its minimum).
     */
    public final long maxQueuedBytes;
    /** A connection whose write queue stays full this long is closed ({@code slowClientTimeoutSeconds}, default 30). */
    public final Duration slowClientTimeout;
    public final int maxInFlight;
    public final Duration messageTtl;
    public final Duration expirySweep;
    /** How often messages that every recipient acknowledged are dropped. */
    public final Duration retentionSweep;
    public final Duration shutdownGrace;

    /**
     * The roles a user may hold on a team's roster ({@code roles}: a JSON array, or a
     * comma-separated list; in the environment {@code AMPOULE_RELAY_ROLES=a,b,c}). Must include
     * {@code coordinator}. Default: coordinator, practitioner, patient, pharmacist, insurer.
     */
    public final Set<String> roles;
    /**
     * Whether groups whose id is not a team id ("ad hoc" groups, outside any roster) are allowed
     * ({@code adHocGroups}, default true). When false, only care teams' groups may exist.
     */
    public final boolean adHocGroups;

    /**
     * A device's acknowledgements of one group within this window become one {@code delivered}
     * audit entry, written when the window ends or the relay shuts down
     * ({@code auditDeliveryWindowSeconds}, default 30; 0 writes one entry per acknowledgement).
     */
    public final Duration auditDeliveryWindow;
    /**
     * The active audit file is rotated before a write would take it past this size
     * ({@code auditFileMaxBytes}, default 64 MiB; at least 4096).
     */
    public final long auditFileMaxBytes;
    /**
     * The active audit file is rotated once its first entry is this old ({@code auditFileMaxAgeHours},
     * default 24; 0: no age limit).
     */
    public final Duration auditFileMaxAge;
    /** Care teams one organisation may have, archived ones included ({@code maxTeamsPerOrg}, default 100,000). */
    public final int maxTeamsPerOrg;
    /**
     * Care teams one user may create for themselves through the admin API, becoming their first
     * coordinator ({@code maxTeamsCreatedPerUser}, default 1,000; teams an org admin creates count
     * against the organisation only).
     */
    public final int maxTeamsCreatedPerUser;
    /**
     * Users on one care team's roster ({@code maxMembersPerTeam}, default 500: with a few devices each,
     * within {@link #maxGroupSize}).
     */
    public final int maxMembersPerTeam;
    /** Admin API writes (POST, PUT, DELETE) per user and minute ({@code adminWritesPerMinute}, default 120). */
    public final int adminWritesPerMinute;
    // ---- operations: config file, logs, metrics listener, keepalive, OIDC discovery, development key ----

    /** {@code configFile}: the YAML file read below flags and the environment ({@link ConfigFile}). */
    public final Optional<Path> configFile;
    /** {@code logLevel}: TRACE, DEBUG, INFO (default), WARN or ERROR (applied by the relay's command line). */
    public final String logLevel;
    /** {@code logFormat}: {@code json} (default; one JSON object per line) or {@code text}. */
    public final String logFormat;
    /**
     * {@code metricsPort}: serve {@code /metrics} (and {@code /health}, {@code /ready}) on this port
     * of {@link #metricsHost}, plain HTTP, and no longer on the client port. Absent (default): all on
     * the client port. 0 picks a free port (tests).
     */
    public final Optional<Integer> metricsPort;
    /** {@code metricsHost}: the metrics listener's address (default: {@link #host}). */
    public final String metricsHost;
    /** {@code pingIntervalSeconds}: how often the relay pings each WebSocket (default 20). */
    public final Duration pingInterval;
    /**
     * {@code pingTimeoutSeconds}: a connection from which nothing — no pong, no frame — has arrived
     * for this long is closed as dead at its next ping (default 45; so within this plus
     * {@link #pingInterval}).
     */
    public final Duration pingTimeout;
    /**
     * {@code oidcIssuer}: the OIDC provider's issuer URL. Tokens must carry it as {@code iss}, and
     * the JWKS is found by OpenID discovery ({@code <issuer>/.well-known/openid-configuration},
     * {@code jwks_uri}) at start. Exclusive with {@link #jwksUrl}.
     */
    public final Optional<String> oidcIssuer;
    /** {@code jwksTimeoutSeconds}: the longest a discovery or JWKS request may take (default 10). */
    public final Duration jwksTimeout;
    /**
     * {@code allowDevKeyOnNetwork}: start with the development key although {@link #host} is not a
     * loopback address (default false: the relay refuses — anyone holding the key file could mint
     * tokens for any user).
     */
    public final boolean allowDevKeyOnNetwork;
    /** {@code AMPOULE_RELAY_*} environment variables that name no setting (ignored; reported at start). */
    public final List<String> unknownEnvironment;
    /** Where the settings came from, for {@code check-config}. */
    final Settings settings;

    /** The default {@link #roles}. */
    public static final List<String> DEFAULT_ROLES = List.of("coordinator", "practitioner", "patient", "pharmacist",
            "insurer");
    private static final Pattern ROLE = Pattern.compile("[a-z0-9_-]{1,32}");

    /** The TLS versions the relay can be configured to offer. */
    public static final Set<String> SUPPORTED_TLS_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
    /** The default {@link #tlsCipherSuites}. */
    public static final List<String> DEFAULT_TLS_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final Pattern CIPHER_SUITE = Pattern.compile("TLS_[A-Z0-9_]{1,100}");
    private static final Pattern CLUSTER_MEMBER = Pattern.compile("[A-Za-z0-9.\\-]{1,253}(:[0-9]{1,5})?");
    private static final Pattern DNS_NAME = Pattern.compile("[A-Za-z0-9.\\-]{1,253}");
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private RelayConfig(Builder b) {
        host = b.host;
        tlsCertPath = Optional.ofNullable(b.tlsCertPath);
        tlsKeyPath = Optional.ofNullable(b.tlsKeyPath);
        port = b.port >= 0 ? b.port : (tlsCertPath.isPresent() ? 8443 : 8080);
        tlsProtocols = b.tlsProtocols;
        tlsCipherSuites = b.tlsCipherSuites;
        tlsClientCaPath = Optional.ofNullable(b.tlsClientCaPath);
        tlsRequireClientAuth = b.tlsRequireClientAuth;
        tlsReload = b.tlsReload;
        dataDir = b.dataDir;
        fsync = b.fsync;
        fsyncGap = b.fsyncGap;
        segmentBytes = b.segmentBytes;
        maxBlobBytes = b.maxBlobBytes;
        teamBlobQuotaBytes = b.teamBlobQuotaBytes;
        store = b.store;
        postgresUrl = Optional.ofNullable(b.postgresUrl);
        postgresUser = Optional.ofNullable(b.postgresUser);
        postgresPasswordFile = Optional.ofNullable(b.postgresPasswordFile);
        postgresPassword = Optional.ofNullable(b.postgresPassword);
        postgresPoolSize = b.postgresPoolSize;
        clusterEnabled = b.clusterEnabled;
        clusterHost = b.clusterHost;
        clusterPort = b.clusterPort;
        clusterBusPort = b.clusterBusPort;
        clusterMembers = b.clusterMembers;
        clusterKubernetesService = Optional.ofNullable(b.clusterKubernetesService);
        clusterName = b.clusterName;
        gatewayInstances = b.store == StoreKind.FILE ? 1
                : b.gatewayInstances > 0 ? b.gatewayInstances : Runtime.getRuntime().availableProcessors();
        connectionLoops = b.clusterEnabled ? 1
                : b.connectionLoops > 0 ? b.connectionLoops : Runtime.getRuntime().availableProcessors();
        issuer = b.issuer;
        audience = b.audience;
        jwksUrl = Optional.ofNullable(b.jwksUrl);
        jwksRefresh = b.jwksRefresh;
        jwksMinRefetch = b.jwksMinRefetch;
        tokenLeeway = b.tokenLeeway;
        maxTokenLifetime = b.maxTokenLifetime;
        ticketTtl = b.ticketTtl;
        ticketsPerUser = b.ticketsPerUser;
        maxTickets = b.maxTickets;
        authTimeout = b.authTimeout;
        maxFrameBytes = b.maxFrameBytes;
        messagesPerSecond = b.messagesPerSecond;
        messageBurst = b.messageBurst;
        connectionsPerUser = b.connectionsPerUser;
        maxGroupSize = b.maxGroupSize;
        maxKeyPackagesPerDevice = b.maxKeyPackagesPerDevice;
        claimsPerMinute = b.claimsPerMinute;
        claimsPerTargetPerMinute = b.claimsPerTargetPerMinute;
        relayClaimsPerTeamPerMinute = b.relayClaimsPerTeamPerMinute;
        maxDevicesPerUser = b.maxDevicesPerUser;
        writeQueueMaxBytes = b.writeQueueMaxBytes;
        maxQueuedBytes = b.maxQueuedBytes;
        slowClientTimeout = b.slowClientTimeout;
        maxInFlight = b.maxInFlight;
        messageTtl = b.messageTtl;
        expirySweep = b.expirySweep;
        retentionSweep = b.retentionSweep;
        shutdownGrace = b.shutdownGrace;
        roles = b.roles;
        adHocGroups = b.adHocGroups;
        auditDeliveryWindow = b.auditDeliveryWindow;
        auditFileMaxBytes = b.auditFileMaxBytes;
        auditFileMaxAge = b.auditFileMaxAge;
        maxTeamsPerOrg = b.maxTeamsPerOrg;
        maxTeamsCreatedPerUser = b.maxTeamsCreatedPerUser;
        maxMembersPerTeam = b.maxMembersPerTeam;
        adminWritesPerMinute = b.adminWritesPerMinute;
        // operations
        configFile = b.settings.filePath();
        logLevel = b.logLevel;
        logFormat = b.logFormat;
        metricsPort = Optional.ofNullable(b.metricsPort);
        metricsHost = b.metricsHost != null ? b.metricsHost : b.host;
        pingInterval = b.pingInterval;
        pingTimeout = b.pingTimeout;
        oidcIssuer = Optional.ofNullable(b.oidcIssuer);
        jwksTimeout = b.jwksTimeout;
        allowDevKeyOnNetwork = b.allowDevKeyOnNetwork;
        unknownEnvironment = b.settings.unknownEnvironment();
        settings = b.settings;
    }

    /** Whether tokens are verified with the local development key (no {@link #jwksUrl}, no {@link #oidcIssuer}). */
    public boolean usesDevKey() {
        return jwksUrl.isEmpty() && oidcIssuer.isEmpty();
    }

    /** Every setting's key, in the order {@link #from} reads them. */
    public static List<String> keys() {
        Settings s = Settings.empty();
        read(s);
        return List.copyOf(s.keys());
    }

    public boolean tls() {
        return tlsCertPath.isPresent();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults, overridden by the config file ({@code configFile}, from {@code json} or the
     * environment), overridden by the environment, overridden by {@code json}. A key of {@code json}
     * or of the file that names no setting is a {@link ConfigException}.
     */
    public static RelayConfig from(JsonObject json, Map<String, String> env) {
        Settings s = Settings.of(json, env);
        Builder b = read(s);
        s.rejectUnknown();
        b.settings = s;
        return b.build();
    }

    /** Reads every setting from {@code s} into a builder. */
    private static Builder read(Settings s) {
        Builder b = builder();
        s.str("host").ifPresent(b::host);
        s.integer("port").ifPresent(b::port);
        s.str("tlsCertPath").ifPresent(v -> b.tlsCertPath(Path.of(v)));
        s.str("tlsKeyPath").ifPresent(v -> b.tlsKeyPath(Path.of(v)));
        s.list("tlsProtocols").ifPresent(b::tlsProtocols);
        s.list("tlsCipherSuites").ifPresent(b::tlsCipherSuites);
        s.str("tlsClientCaPath").ifPresent(v -> b.tlsClientCaPath(Path.of(v)));
        s.bool("tlsRequireClientAuth").ifPresent(b::tlsRequireClientAuth);
        s.seconds("tlsReloadSeconds").ifPresent(b::tlsReload);
        s.str("dataDir").ifPresent(v -> b.dataDir(Path.of(v)));
        s.bool("fsync").ifPresent(b::fsync);
        s.integer("fsyncGapMicros").ifPresent(v -> b.fsyncGap(Duration.ofNanos(v * 1_000L)));
        s.integer("segmentBytes").ifPresent(v -> b.segmentBytes(v));
        s.longInteger("maxBlobBytes").ifPresent(b::maxBlobBytes);
        s.longInteger("teamBlobQuotaBytes").ifPresent(b::teamBlobQuotaBytes);
        s.str("store").ifPresent(v -> b.store(switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "file" -> StoreKind.FILE;
            case "postgresql", "postgres" -> StoreKind.POSTGRESQL;
            default -> throw new ConfigException("store: file or postgresql, not " + v);
        }));
        s.str("postgresUrl").ifPresent(b::postgresUrl);
        s.str("postgresUser").ifPresent(b::postgresUser);
        s.str("postgresPasswordFile").ifPresent(v -> b.postgresPasswordFile(Path.of(v)));
        s.str("postgresPassword").ifPresent(b::postgresPassword);
        s.integer("postgresPoolSize").ifPresent(b::postgresPoolSize);
        s.bool("clusterEnabled").ifPresent(b::clusterEnabled);
        s.str("clusterHost").ifPresent(b::clusterHost);
        s.integer("clusterPort").ifPresent(b::clusterPort);
        s.integer("clusterBusPort").ifPresent(b::clusterBusPort);
        s.list("clusterMembers").ifPresent(b::clusterMembers);
        s.str("clusterKubernetesService").ifPresent(b::clusterKubernetesService);
        s.str("clusterName").ifPresent(b::clusterName);
        s.integer("gatewayInstances").ifPresent(b::gatewayInstances);
        s.integer("connectionLoops").ifPresent(b::connectionLoops);
        s.str("issuer").ifPresent(b::issuer);
        s.str("audience").ifPresent(b::audience);
        s.str("jwksUrl").ifPresent(b::jwksUrl);
        s.seconds("jwksRefreshSeconds").ifPresent(b::jwksRefresh);
        s.seconds("jwksMinRefetchSeconds").ifPresent(b::jwksMinRefetch);
        s.seconds("tokenLeewaySeconds").ifPresent(b::tokenLeeway);
        s.seconds("maxTokenLifetimeSeconds").ifPresent(b::maxTokenLifetime);
        s.seconds("ticketTtlSeconds").ifPresent(b::ticketTtl);
        s.integer("ticketsPerUser").ifPresent(b::ticketsPerUser);
        s.integer("maxTickets").ifPresent(b::maxTickets);
        s.seconds("authTimeoutSeconds").ifPresent(b::authTimeout);
        s.integer("maxFrameBytes").ifPresent(b::maxFrameBytes);
        s.integer("messagesPerSecond").ifPresent(b::messagesPerSecond);
        s.integer("messageBurst").ifPresent(b::messageBurst);
        s.integer("connectionsPerUser").ifPresent(b::connectionsPerUser);
        s.integer("maxGroupSize").ifPresent(b::maxGroupSize);
        s.integer("maxKeyPackagesPerDevice").ifPresent(b::maxKeyPackagesPerDevice);
        s.integer("claimsPerMinute").ifPresent(b::claimsPerMinute);
        s.integer("claimsPerTargetPerMinute").ifPresent(b::claimsPerTargetPerMinute);
        s.integer("relayClaimsPerTeamPerMinute").ifPresent(b::relayClaimsPerTeamPerMinute);
        s.integer("maxDevicesPerUser").ifPresent(b::maxDevicesPerUser);
        s.integer("writeQueueMaxBytes").ifPresent(b::writeQueueMaxBytes);
        s.integer("maxQueuedBytes").ifPresent(b::maxQueuedBytes);
        s.seconds("slowClientTimeoutSeconds").ifPresent(b::slowClientTimeout);
        s.integer("maxInFlight").ifPresent(b::maxInFlight);
        s.seconds("messageTtlSeconds").ifPresent(b::messageTtl);
        s.seconds("expirySweepSeconds").ifPresent(b::expirySweep);
        s.seconds("retentionSweepSeconds").ifPresent(b::retentionSweep);
        s.seconds("shutdownGraceSeconds").ifPresent(b::shutdownGrace);
        s.list("roles").ifPresent(b::roles);
        s.bool("adHocGroups").ifPresent(b::adHocGroups);
        s.seconds("auditDeliveryWindowSeconds").ifPresent(b::auditDeliveryWindow);
        s.integer("auditFileMaxBytes").ifPresent(v -> b.auditFileMaxBytes(v));
        s.integer("auditFileMaxAgeHours").ifPresent(v -> b.auditFileMaxAge(Duration.ofHours(v)));
        s.integer("maxTeamsPerOrg").ifPresent(b::maxTeamsPerOrg);
        s.integer("maxTeamsCreatedPerUser").ifPresent(b::maxTeamsCreatedPerUser);
        s.integer("maxMembersPerTeam").ifPresent(b::maxMembersPerTeam);
        s.integer("adminWritesPerMinute").ifPresent(b::adminWritesPerMinute);
        // operations
        s.str("logLevel").ifPresent(b::logLevel);
        s.str("logFormat").ifPresent(b::logFormat);
        s.integer("metricsPort").ifPresent(b::metricsPort);
        s.str("metricsHost").ifPresent(b::metricsHost);
        s.seconds("pingIntervalSeconds").ifPresent(b::pingInterval);
        s.seconds("pingTimeoutSeconds").ifPresent(b::pingTimeout);
        s.str("oidcIssuer").ifPresent(b::oidcIssuer);
        s.seconds("jwksTimeoutSeconds").ifPresent(b::jwksTimeout);
        s.bool("allowDevKeyOnNetwork").ifPresent(b::allowDevKeyOnNetwork);
        return b;
    }

    /** {@code dataDir} → {@code AMPOULE_RELAY_DATA_DIR}. */
    public static String envName(String key) {
        StringBuilder sb = new StringBuilder("AMPOULE_RELAY_");
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_');
            }
            sb.append(Character.toUpperCase(c));
        }
        return sb.toString();
    }

    /** Builds a {@link RelayConfig}; every setting starts at its default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = -1;
        private Path tlsCertPath;
        private Path tlsKeyPath;
        private List<String> tlsProtocols = List.of("TLSv1.3");
        private List<String> tlsCipherSuites = DEFAULT_TLS_CIPHER_SUITES;
        private Path tlsClientCaPath;
        private boolean tlsRequireClientAuth;
        private Duration tlsReload = Duration.ofSeconds(60);
        private Path dataDir = Path.of("relay-data");
        private boolean fsync = true;
        private Duration fsyncGap = Duration.ofMillis(1);
        private long segmentBytes = 64L << 20;
        private long maxBlobBytes = 100L << 20;
        private long teamBlobQuotaBytes = 10L << 30;
        private StoreKind store = StoreKind.FILE;
        private String postgresUrl;
        private String postgresUser;
        private Path postgresPasswordFile;
        private String postgresPassword;
        private int postgresPoolSize = 4;
        private boolean clusterEnabled;
        private String clusterHost = "127.0.0.1";
        private int clusterPort = 5701;
        private int clusterBusPort = 5711;
        private List<String> clusterMembers = List.of();
        private String clusterKubernetesService;
        private String clusterName = "ampoule";
        private int gatewayInstances;
        private int connectionLoops;
        private String issuer = "ampoule-dev";
        private String audience = "ampoule-relay";
        private String jwksUrl;
        private Duration jwksRefresh = Duration.ofMinutes(5);
        private Duration jwksMinRefetch = Duration.ofSeconds(10);
        private Duration tokenLeeway = Duration.ofSeconds(30);
        private Duration maxTokenLifetime = Duration.ofHours(24);
        private Duration ticketTtl = Duration.ofSeconds(30);
        private int ticketsPerUser = 5;
        private int maxTickets = 100_000;
        private Duration authTimeout = Duration.ofSeconds(10);
        private int maxFrameBytes = 1 << 20;
        private int messagesPerSecond = 200;
        private int messageBurst = 400;
        private int connectionsPerUser = 16;
        private int maxGroupSize = 2_000;
        private int maxKeyPackagesPerDevice = 200;
        private int claimsPerMinute = 120;
        private int claimsPerTargetPerMinute = 20;
        private int relayClaimsPerTeamPerMinute = 120;
        private int maxDevicesPerUser = 10;
        private int writeQueueMaxBytes = 1 << 20;
        private long maxQueuedBytes = -1; // default: the larger of 8 MiB and the minimum
        private Duration slowClientTimeout = Duration.ofSeconds(30);
        private int maxInFlight = 1_000;
        private Duration messageTtl = Duration.ofDays(30);
        private Duration expirySweep = Duration.ofMinutes(1);
        private Duration retentionSweep = Duration.ofSeconds(1);
        private Duration shutdownGrace = Duration.ofSeconds(5);
        private Set<String> roles = Collections.unmodifiableSet(new LinkedHashSet<>(DEFAULT_ROLES));
        private boolean adHocGroups = true;
        private Duration auditDeliveryWindow = Duration.ofSeconds(30);
        private long auditFileMaxBytes = 64L << 20;
        private Duration auditFileMaxAge = Duration.ofHours(24);
        private int maxTeamsPerOrg = 100_000;
        private int maxTeamsCreatedPerUser = 1_000;
        private int maxMembersPerTeam = 500;
        private int adminWritesPerMinute = 120;
        // operations
        private Settings settings = Settings.empty();
        private String logLevel = "INFO";
        private String logFormat = "json";
        private Integer metricsPort;
        private String metricsHost;
        private Duration pingInterval = Duration.ofSeconds(20);
        private Duration pingTimeout = Duration.ofSeconds(45);
        private String oidcIssuer;
        private Duration jwksTimeout = Duration.ofSeconds(10);
        private boolean allowDevKeyOnNetwork;

        private Builder() {
        }

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder tlsCertPath(Path v) { tlsCertPath = v; return this; }
        public Builder tlsKeyPath(Path v) { tlsKeyPath = v; return this; }
        public Builder tlsClientCaPath(Path v) { tlsClientCaPath = v; return this; }
        public Builder tlsRequireClientAuth(boolean v) { tlsRequireClientAuth = v; return this; }
        public Builder tlsReload(Duration v) { tlsReload = v; return this; }

        /** The TLS versions to offer: {@code TLSv1.3} and/or {@code TLSv1.2}. */
        public Builder tlsProtocols(List<String> v) {
            if (v.isEmpty() || !SUPPORTED_TLS_PROTOCOLS.containsAll(v)) {
                throw new ConfigException("tlsProtocols: one or both of TLSv1.3 and TLSv1.2, got " + v);
            }
            tlsProtocols = List.copyOf(new LinkedHashSet<>(v));
            return this;
        }

        /** The cipher suites to offer (JDK names such as {@code TLS_AES_128_GCM_SHA256}). */
        public Builder tlsCipherSuites(List<String> v) {
            if (v.isEmpty() || !v.stream().allMatch(c -> CIPHER_SUITE.matcher(c).matches())) {
                throw new ConfigException("tlsCipherSuites: a non-empty list of cipher suite names, got " + v);
            }
            tlsCipherSuites = List.copyOf(new LinkedHashSet<>(v));
            return this;
        }

        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder fsync(boolean v) { fsync = v; return this; }
        public Builder fsyncGap(Duration v) { fsyncGap = v; return this; }
        public Builder segmentBytes(long v) { segmentBytes = v; return this; }
        public Builder maxBlobBytes(long v) { maxBlobBytes = v; return this; }
        public Builder teamBlobQuotaBytes(long v) { teamBlobQuotaBytes = v; return this; }
        public Builder store(StoreKind v) { store = v; return this; }
        public Builder postgresUrl(String v) { postgresUrl = v; return this; }
        public Builder postgresUser(String v) { postgresUser = v; return this; }
        public Builder postgresPasswordFile(Path v) { postgresPasswordFile = v; return this; }
        public Builder postgresPassword(String v) { postgresPassword = v; return this; }
        public Builder postgresPoolSize(int v) { postgresPoolSize = v; return this; }
        public Builder clusterEnabled(boolean v) { clusterEnabled = v; return this; }
        public Builder clusterHost(String v) { clusterHost = v.trim(); return this; }
        public Builder clusterPort(int v) { clusterPort = v; return this; }
        public Builder clusterBusPort(int v) { clusterBusPort = v; return this; }
        public Builder clusterKubernetesService(String v) { clusterKubernetesService = v.trim(); return this; }
        public Builder clusterName(String v) { clusterName = v.trim(); return this; }
        public Builder gatewayInstances(int v) { gatewayInstances = v; return this; }
        public Builder connectionLoops(int v) { connectionLoops = v; return this; }

        /** The other nodes' Hazelcast addresses, {@code host} or {@code host:port}. */
        public Builder clusterMembers(List<String> v) {
            for (String m : v) {
                if (!CLUSTER_MEMBER.matcher(m).matches()) {
                    throw new ConfigException("clusterMembers: host or host:port, got " + m);
                }
            }
            clusterMembers = List.copyOf(v);
            return this;
        }
        public Builder issuer(String v) { issuer = v; return this; }
        public Builder audience(String v) { audience = v; return this; }
        public Builder jwksUrl(String v) { jwksUrl = v; return this; }
        public Builder jwksRefresh(Duration v) { jwksRefresh = v; return this; }
        public Builder jwksMinRefetch(Duration v) { jwksMinRefetch = v; return this; }
        public Builder tokenLeeway(Duration v) { tokenLeeway = v; return this; }
        public Builder maxTokenLifetime(Duration v) { maxTokenLifetime = v; return this; }
        public Builder ticketTtl(Duration v) { ticketTtl = v; return this; }
        public Builder ticketsPerUser(int v) { ticketsPerUser = v; return this; }
        public Builder maxTickets(int v) { maxTickets = v; return this; }
        public Builder authTimeout(Duration v) { authTimeout = v; return this; }
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder messagesPerSecond(int v) { messagesPerSecond = v; return this; }
        public Builder messageBurst(int v) { messageBurst = v; return this; }
        public Builder connectionsPerUser(int v) { connectionsPerUser = v; return this; }
        public Builder maxGroupSize(int v) { maxGroupSize = v; return this; }
        public Builder maxKeyPackagesPerDevice(int v) { maxKeyPackagesPerDevice = v; return this; }
        public Builder claimsPerMinute(int v) { claimsPerMinute = v; return this; }
        public Builder claimsPerTargetPerMinute(int v) { claimsPerTargetPerMinute = v; return this; }
        public Builder relayClaimsPerTeamPerMinute(int v) { relayClaimsPerTeamPerMinute = v; return this; }
        public Builder maxDevicesPerUser(int v) { maxDevicesPerUser = v; return this; }
        public Builder writeQueueMaxBytes(int v) { writeQueueMaxBytes = v; return this; }
        public Builder maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }
        public Builder slowClientTimeout(Duration v) { slowClientTimeout = v; return this; }
        public Builder maxInFlight(int v) { maxInFlight = v; return this; }
        public Builder messageTtl(Duration v) { messageTtl = v; return this; }
        public Builder expirySweep(Duration v) { expirySweep = v; return this; }
        public Builder retentionSweep(Duration v) { retentionSweep = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder adHocGroups(boolean v) { adHocGroups = v; return this; }
        public Builder auditDeliveryWindow(Duration v) { auditDeliveryWindow = v; return this; }
        public Builder auditFileMaxBytes(long v) { auditFileMaxBytes = v; return this; }
        public Builder auditFileMaxAge(Duration v) { auditFileMaxAge = v; return this; }
        public Builder maxTeamsPerOrg(int v) { maxTeamsPerOrg = v; return this; }
        public Builder maxTeamsCreatedPerUser(int v) { maxTeamsCreatedPerUser = v; return this; }
        public Builder maxMembersPerTeam(int v) { maxMembersPerTeam = v; return this; }
        public Builder adminWritesPerMinute(int v) { adminWritesPerMinute = v; return this; }
        // operations
        public Builder logLevel(String v) { logLevel = OperationsSettings.level(v); return this; }
        public Builder logFormat(String v) { logFormat = OperationsSettings.format(v); return this; }
        public Builder metricsPort(int v) { metricsPort = v; return this; }
        public Builder metricsHost(String v) { metricsHost = v; return this; }
        public Builder pingInterval(Duration v) { pingInterval = v; return this; }
        public Builder pingTimeout(Duration v) { pingTimeout = v; return this; }
        public Builder oidcIssuer(String v) { oidcIssuer = v; return this; }
        public Builder jwksTimeout(Duration v) { jwksTimeout = v; return this; }
        public Builder allowDevKeyOnNetwork(boolean v) { allowDevKeyOnNetwork = v; return this; }

        /** The roster roles; each {@code [a-z0-9_-]{1,32}}, {@code coordinator} among them. */
        public Builder roles(List<String> v) {
            Set<String> set = new LinkedHashSet<>();
            for (String r : v) {
                if (!ROLE.matcher(r).matches()) {
                    throw new ConfigException("roles: not a role name (lower-case letters, digits, _ and -): " + r);
                }
                set.add(r);
            }
            if (!set.contains("coordinator")) {
                throw new ConfigException("roles: must include coordinator");
            }
            roles = Collections.unmodifiableSet(set);
            return this;
        }

        public RelayConfig build() {
            if ((tlsCertPath == null) != (tlsKeyPath == null)) {
                throw new ConfigException("tlsCertPath and tlsKeyPath go together");
            }
            if (maxFrameBytes < 1024 || messagesPerSecond < 1 || messageBurst < 1 || connectionsPerUser < 1
                    || maxGroupSize < 1 || maxInFlight < 1 || claimsPerMinute < 1 || segmentBytes < 4096
                    || claimsPerTargetPerMinute < 1 || relayClaimsPerTeamPerMinute < 1 || maxDevicesPerUser < 1) {
                throw new ConfigException("a limit is out of range");
            }
            if (maxBlobBytes < 1 || teamBlobQuotaBytes < 1) {
                throw new ConfigException("maxBlobBytes and teamBlobQuotaBytes must be at least 1");
            }
            if (store == StoreKind.POSTGRESQL && (postgresUrl == null || postgresUrl.isBlank())) {
                throw new ConfigException("store=postgresql needs postgresUrl (postgresql://host:port/database)");
            }
            if (postgresPoolSize < 2 || postgresPoolSize > 256) {
                throw new ConfigException("postgresPoolSize: 2..256");
            }
            if (clusterEnabled && store != StoreKind.POSTGRESQL) {
                throw new ConfigException("clusterEnabled needs store=postgresql: the nodes share one database");
            }
            if (clusterEnabled && clusterKubernetesService != null && !clusterMembers.isEmpty()) {
                throw new ConfigException("clusterMembers or clusterKubernetesService, not both");
            }
            if (clusterPort < 1 || clusterPort > 65535 || clusterBusPort < 0 || clusterBusPort > 65535
                    || clusterHost.isEmpty()) {
                throw new ConfigException("clusterHost must be set; clusterPort 1..65535, clusterBusPort 0..65535");
            }
            if (clusterKubernetesService != null && !DNS_NAME.matcher(clusterKubernetesService).matches()) {
                throw new ConfigException("clusterKubernetesService: a DNS name");
            }
            if (!CLUSTER_NAME.matcher(clusterName).matches()) {
                throw new ConfigException("clusterName: 1..64 letters, digits, '.', '_' or '-'");
            }
            if (gatewayInstances < 0 || gatewayInstances > 256) {
                throw new ConfigException("gatewayInstances: 1..256 (0: one per core)");
            }
            if (fsyncGap.isNegative() || fsyncGap.compareTo(Duration.ofMillis(100)) > 0) {
                throw new ConfigException("fsyncGapMicros: 0..100000");
            }
            if (connectionLoops < 0 || connectionLoops > 256) {
                throw new ConfigException("connectionLoops: 1..256, the relay's own event loop included (0: one per core)");
            }
            if (ticketsPerUser < 1 || maxTickets < 1) {
                throw new ConfigException("ticketsPerUser and maxTickets must be at least 1");
            }
            if (tokenLeeway.isNegative() || maxTokenLifetime.compareTo(Duration.ofMinutes(1)) < 0
                    || maxTokenLifetime.compareTo(Duration.ofDays(366)) > 0) {
                throw new ConfigException("maxTokenLifetimeSeconds must be between 60 and 31622400, tokenLeewaySeconds >= 0");
            }
            long minQueued = (long) writeQueueMaxBytes + 2L * maxFrameBytes;
            if (maxQueuedBytes < 0) {
                maxQueuedBytes = Math.max(8L << 20, minQueued);
            }
            if (writeQueueMaxBytes < 1024 || maxQueuedBytes < minQueued) {
                throw new ConfigException("maxQueuedBytes must be at least writeQueueMaxBytes + 2 x maxFrameBytes");
            }
            if (tlsClientCaPath != null && tlsCertPath == null) {
                throw new ConfigException("tlsClientCaPath needs tlsCertPath and tlsKeyPath");
            }
            if (tlsRequireClientAuth && tlsClientCaPath == null) {
                throw new ConfigException("tlsRequireClientAuth needs tlsClientCaPath");
            }
            if (tlsReload.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new ConfigException("tlsReloadSeconds must be at least 1");
            }
            if (auditDeliveryWindow.isNegative() || auditDeliveryWindow.compareTo(Duration.ofHours(1)) > 0) {
                throw new ConfigException("auditDeliveryWindowSeconds: 0..3600");
            }
            if (maxTeamsPerOrg < 1 || maxTeamsCreatedPerUser < 1 || maxMembersPerTeam < 1 || adminWritesPerMinute < 1) {
                throw new ConfigException("maxTeamsPerOrg, maxTeamsCreatedPerUser, maxMembersPerTeam and"
                        + " adminWritesPerMinute must be at least 1");
            }
            if (auditFileMaxBytes < 4096 || auditFileMaxAge.isNegative()) {
                throw new ConfigException("auditFileMaxBytes must be at least 4096, auditFileMaxAgeHours at least 0");
            }
            if (oidcIssuer != null) {
                issuer = OperationsSettings.issuerFor(oidcIssuer, issuer, jwksUrl);
            }
            OperationsSettings.check(host, jwksUrl == null && oidcIssuer == null, allowDevKeyOnNetwork, pingInterval,
                    pingTimeout, metricsPort, jwksTimeout);
            return new RelayConfig(this);
        }
    }
}
