package dev.ampoule.relay.gateway;

import dev.ampoule.relay.admin.AdminApi;
import dev.ampoule.relay.audit.AuditDisk;
import dev.ampoule.relay.audit.AuditLog;
import dev.ampoule.relay.audit.CoalescingAuditSink;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.auth.JwksKeySource;
import dev.ampoule.relay.auth.JwtTokenVerifier;
import dev.ampoule.relay.auth.KeySource;
import dev.ampoule.relay.auth.OidcDiscovery;
import dev.ampoule.relay.auth.PgTickets;
import dev.ampoule.relay.auth.TicketService;
import dev.ampoule.relay.auth.Tickets;
import dev.ampoule.relay.audit.PgAuditLog;
import dev.ampoule.relay.cluster.NodeBus;
import dev.ampoule.relay.cluster.NodeEvent;
import dev.ampoule.relay.cluster.SharedRead;
import dev.ampoule.relay.roster.PgRosterStore;
import dev.ampoule.relay.roster.RosterStore;
import dev.ampoule.relay.store.PgClusterStore;
import dev.ampoule.relay.store.PgDatabase;
import dev.ampoule.relay.store.PgDevices;
import dev.ampoule.relay.store.PgGroups;
import dev.ampoule.relay.store.Store;
import java.util.Optional;
import io.vertx.sqlclient.Pool;
import dev.ampoule.relay.blob.BlobLimits;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.blob.BlobStores;
import dev.ampoule.relay.blob.Membership;
import dev.ampoule.relay.history.ContentService;
import dev.ampoule.relay.history.HistoryRights;
import dev.ampoule.relay.history.HistoryService;
import dev.ampoule.relay.history.RecordService;
import dev.ampoule.relay.history.RecordShares;
import dev.ampoule.relay.history.RightsReadRule;
import dev.ampoule.relay.history.TeamDays;
import dev.ampoule.relay.admin.HistoryAdminApi;
import dev.ampoule.relay.admin.RecordAdminApi;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.ds.CareTeamSetup;
import dev.ampoule.relay.ds.DeliveryService;
import dev.ampoule.relay.ds.ExternalSenderKeys;
import dev.ampoule.relay.metrics.DiskSpace;
import dev.ampoule.relay.metrics.LoopDelay;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.roster.FileRosterStore;
import dev.ampoule.relay.roster.OrgRecordingVerifier;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.RosterQuotas;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay on one node: the audit log (opened and verified first), store recovery, Delivery
 * Service, token verification (the local development key, or an OIDC JWKS), the roster of care
 * teams ({@code <dataDir>/roster}), and the HTTP/WebSocket server with the admin API under
 * {@code /v1/} (over TLS when configured: {@link ServerTls}, its files checked every
 * {@code tlsReloadSeconds} and new ones served without a restart, {@link #reloadTls}). Configuration from
 * {@code config()} and the environment ({@link RelayConfig}). Stopping it is the graceful
 * shutdown: stop accepting, tell clients to reconnect, let writes flush, close, close the store.
 */
public final class RelayVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(RelayVerticle.class);
    /** Counter of certificate reloads, tagged {@code result} = {@code ok} or {@code failed}. */
    public static final String TLS_RELOADS = "ampoule.tls.reloads";

    private final MeterRegistry registry;
    private final Clock clock;
    private RelayConfig config;
    private DeliveryService ds;
    private AuditLog audit;
    /** What the Delivery Service audits through: acknowledgements gathered per window. */
    private CoalescingAuditSink deliveries;
    /** The records' database with store=postgresql: audit log and roster (null with the file store). */
    private Pool records;
    private NodeBus.Port port;
    private long rosterRefresh = -1;
    private Gateway gateway;
    private HttpServer metricsServer;
    /** The event loops that serve this verticle's sockets ({@code connectionLoops}) and their servers. */
    private ConnectionLoops loops;
    private DiskSpace diskSpace;
    private LoopDelay loopDelay;
    private JwksKeySource jwks;
    private long ticketPurge = -1;
    private long tlsCheck = -1;
    /** The TLS settings the server has now (null without TLS). */
    private ServerTls tls;
    private boolean tlsReloading;
    /** A reading that failed to load: not tried again until the files change once more. */
    private ServerTls tlsRefused;
    private RosterView rosterView = RosterView.EMPTY;
    private AuditSink auditSink = AuditSink.NONE;
    private AuditDisk auditDisk = AuditDisk.REAL;
    private ExternalSenderKeys externalSenderKeys;
    private UnaryOperator<Store> storeLayer = UnaryOperator.identity();
    private Roster roster;
    /** Reads of other relays' roster changes before content is served, shared by the requests of the moment. */
    private final SharedRead rosterReads = new SharedRead(() -> roster.refresh());
    /** The node's event bus, shared by its instances (null: this verticle starts its own). */
    private NodeBus nodeBus;
    private RelayMetrics metrics;
    private boolean ownsNodeBus;
    private BlobService blobs;
    private HistoryService history;
    private HistoryRights rights;
    private RecordShares shares;
    private RecordService recordService;
    private TeamDays days;
    /** The clock of blobs and history (their days, retention and grants); the relay's unless a test sets one. */
    private Clock contentClock;

    public RelayVerticle() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC());
    }

    public RelayVerticle(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** A roster the Delivery Service enforces instead of the relay's own (before deployment; tests). */
    public RelayVerticle rosterView(RosterView roster) {
        this.rosterView = roster;
        return this;
    }

    /** The node's bus, when several instances share it (before deployment). */
    public RelayVerticle nodeBus(NodeBus bus) {
        this.nodeBus = bus;
        return this;
    }

    /** The clock blobs and history go by instead of the relay's (before deployment; tests of grants by date). */
    public RelayVerticle contentClock(Clock clock) {
        this.contentClock = clock;
        return this;
    }

    /** Wraps the configured store (before deployment; fault injection in tests). */
    public RelayVerticle storeLayer(UnaryOperator<Store> layer) {
        this.storeLayer = layer;
        return this;
    }

    /** Where the Delivery Service writes audit events instead of the relay's audit log (before deployment; tests). */
    public RelayVerticle auditSink(AuditSink audit) {
        this.auditSink = audit;
        return this;
    }

    /** The file layer the audit log writes through (before deployment; fault tests). */
    public RelayVerticle auditDisk(AuditDisk disk) {
        this.auditDisk = disk;
        return this;
    }

    @Override
    public Future<?> start() {
        config = RelayConfig.from(config(), System.getenv());
        if (!config.unknownEnvironment.isEmpty()) {
            LOG.warn("environment variables that name no setting were ignored: {}", config.unknownEnvironment);
        }
        RelayMetrics metrics = new RelayMetrics(registry);
        this.metrics = metrics;
        registry.counter(TLS_RELOADS, "result", "ok"); // both series from the start, at 0
        registry.counter(TLS_RELOADS, "result", "failed");
        java.util.concurrent.atomic.AtomicReference<Tickets> tickets = new java.util.concurrent.atomic.AtomicReference<>(
                new TicketService(config.ticketTtl, config.maxTickets, config.ticketsPerUser, clock));
        FileAuditLog.Options auditOptions = FileAuditLog.Options.defaults().withFsync(config.fsync).withClock(clock)
                .withMaxFileBytes(config.auditFileMaxBytes).withMaxFileAge(config.auditFileMaxAge).withDisk(auditDisk);
        java.util.concurrent.atomic.AtomicReference<RosterStore> rosterStore = new java.util.concurrent.atomic.AtomicReference<>();
        Future<NodeBus> bus = nodeBus != null ? Future.succeededFuture(nodeBus)
                : NodeBus.start(vertx, registry).andThen(ar -> ownsNodeBus = ar.succeeded());
        return bus.compose(b -> {
                    nodeBus = b;
                    port = nodeBus.subscribe(context, this::nodeEvents);
                    if (config.store == RelayConfig.StoreKind.FILE) {
                        rosterStore.set(new FileRosterStore(vertx, config.dataDir.resolve("roster"), config.fsync));
                        return FileAuditLog.open(vertx, config.dataDir, auditOptions).map(l -> (AuditLog) l);
                    }
                    // a cluster's roster, audit chain and tickets are shared in the database
                    int poolSize = config.clusterEnabled ? config.postgresPoolSize : 2;
                    return PgDatabase.open(vertx, config, poolSize).compose(pool -> {
                        records = pool;
                        tickets.set(new PgTickets(pool, config.ticketTtl, config.maxTickets, config.ticketsPerUser, clock));
                        rosterStore.set(new PgRosterStore(pool, () -> port.tell(new NodeEvent.RosterChanged(0))));
                        return PgAuditLog.open(pool, clock).map(l -> (AuditLog) l);
                    });
                })
                .compose(log -> {
                    audit = log;
                    deliveries = new CoalescingAuditSink(vertx, auditSink == AuditSink.NONE ? log : auditSink,
                            config.auditDeliveryWindow, clock);
                    return Roster.open(rosterStore.get(), config.roles, new RosterQuotas(config.maxTeamsPerOrg,
                            config.maxTeamsCreatedPerUser, config.maxMembersPerTeam), audit, clock);
                })
                .compose(r -> {
                    roster = r;
                    if (records != null) {
                        // shared by every instance of every node, and read before each fetch is served
                        java.util.function.LongConsumer written = ord -> port.tell(new NodeEvent.RightsChanged(ord));
                        rights = HistoryRights.inDatabase(records, written, auditSink(), contentClock());
                        shares = RecordShares.inDatabase(records, written, auditSink(), contentClock());
                        // events make other relays' changes visible at once; the timer is the safety net
                        rosterRefresh = vertx.setPeriodic(ROSTER_REFRESH_MILLIS, id -> {
                            r.refresh();
                            readRights();
                        });
                    } else {
                        rights = HistoryRights.in(vertx, config.dataDir, config.fsync, auditSink(), contentClock());
                        shares = RecordShares.in(vertx, config.dataDir, config.fsync, auditSink(), contentClock());
                    }
                    return keySource();
                })
                .compose(keys -> ExternalSenderKeys.load(vertx, config.dataDir.resolve(ExternalSenderKeys.DIR_NAME))
                        .compose(senderKeys -> {
                            externalSenderKeys = senderKeys;
                            if (config.clusterEnabled) {
                                // a cluster's relay: the groups and devices are shared in the database
                                PgGroups groups = new PgGroups(records);
                                return Future.succeededFuture((Store) new PgClusterStore(groups)).map(storeLayer);
                            }
                            return Stores.create(vertx, config).map(storeLayer);
                        })
                        .map(store -> {
                            Optional<DeliveryService.Cluster> shared = store instanceof PgClusterStore c
                                    ? Optional.of(new DeliveryService.Cluster(c.groups(), new PgDevices(records), port::tell))
                                    : Optional.empty();
                            ds = new DeliveryService(vertx, store, config, metrics, clock, careTeams(), shared);
                            if (rosterView == null || rosterView == RosterView.EMPTY) {
                                // the Delivery Service and the history rights follow the roster's changes
                                roster.listener(RosterListener.both(RosterListener.both(ds.rosterListener(), rights), shares));
                            }
                            return keys;
                        }))
                .compose(keys -> ds.start().map(v -> keys))
                .compose(keys -> startBlobs().map(v -> keys))
                .compose(keys -> config.tls()
                        ? vertx.executeBlocking(() -> ServerTls.read(config), false).map(t -> {
                            tls = t;
                            return keys;
                        })
                        : Future.succeededFuture(keys))
                .compose(keys -> {
                    JwtTokenVerifier verifier = new JwtTokenVerifier(vertx, keys, config.issuer, config.audience,
                            config.tokenLeeway, config.maxTokenLifetime, clock);
                    gateway = new Gateway(vertx, config, ds, new OrgRecordingVerifier(verifier, roster), tickets.get(), metrics, audit,
                            new ContentService(blobs, history, recordService, this::rightsRead));
                    ticketPurge = vertx.setPeriodic(10_000, id -> tickets.get().purge(clock.instant()));
                    int wsLimit = config.maxFrameBytes * 2 + 4096;
                    HttpServerOptions options = new HttpServerOptions()
                            .setHost(config.host)
                            .setPort(listenPort())
                            .setMaxWebSocketFrameSize(wsLimit)
                            .setMaxWebSocketMessageSize(wsLimit);
                    if (tls != null) {
                        tls.applyTo(options);
                        tlsCheck = vertx.setPeriodic(config.tlsReload.toMillis(), id -> reloadTls());
                    }
                    Router router = gateway.router(config.metricsPort.isEmpty());
                    AdminApi admin = new AdminApi(vertx, roster, verifier, audit, config.adminWritesPerMinute, metrics);
                    admin.mount(router, v1 -> {
                        new HistoryAdminApi(admin, roster, rights, days).addTo(v1);
                        new RecordAdminApi(admin, roster, shares, id -> blobs.blob(id), this::rightsRead).addTo(v1);
                    });
                    Handler<HttpServerRequest> requests = gateway.requestHandler(router);
                    diskSpace = new DiskSpace(vertx, config.dataDir, metrics);
                    diskSpace.start();
                    loopDelay = LoopDelay.acquire(registry, ((io.vertx.core.internal.VertxInternal) vertx).eventLoopGroup());
                    return ConnectionLoops.start(vertx, gateway.owner(), config.connectionLoops, options, requests)
                            .compose(l -> {
                                loops = l;
                                return listenMetrics().map(l.actualPort());
                            });
                })
                .onFailure(e -> {
                    stopSamplers();
                    if (loops != null) {
                        loops.close();
                    }
                    if (metricsServer != null) {
                        metricsServer.close();
                    }
                    if (tlsCheck >= 0) {
                        vertx.cancelTimer(tlsCheck);
                    }
                    closeExternalSenderKeys();
                    closeRoster().eventually(() -> closeAudit());
                })
                .onSuccess(port -> LOG.info("relay listening on {}://{}:{} (data in {}){}", config.tls() ? "https" : "http",
                        config.host, port, config.dataDir.toAbsolutePath(), vertx.isClustered()
                                ? "; cluster node " + nodeBus.nodeId() + ", " + nodeBus.members() + " nodes" : ""));
    }

    /**
     * The port the servers listen on: {@code port}; with {@code port=0} and several connection
     * loops, a negative number of this relay's own, which Vert.x reads as "a free port, shared by
     * the servers given the same number" (0 would give each loop's server a port of its own).
     */
    private int listenPort() {
        if (config.port != 0 || config.connectionLoops <= 1) {
            return config.port;
        }
        return -1 - java.util.concurrent.ThreadLocalRandom.current().nextInt(Integer.MAX_VALUE - 1);
    }

    /**
     * How often a relay on PostgreSQL reads roster and rights changes even without being told (events
     * may be lost; a fetch reads the rights first anyway).
     */
    static final long ROSTER_REFRESH_MILLIS = 5_000;

    /** What the node's other instances and the other nodes tell this one. */
    private void nodeEvents(java.util.List<NodeEvent> events) {
        if (events.stream().anyMatch(e -> e instanceof NodeEvent.RosterChanged) && roster != null) {
            roster.refresh().onFailure(x -> LOG.warn("reading roster changes failed: {}", x.getMessage()));
        }
        if (events.stream().anyMatch(e -> e instanceof NodeEvent.RightsChanged) && records != null) {
            readRights();
        }
        if (ds != null) {
            ds.clusterEvents(events);
        }
    }

    /** Reads what other instances and nodes changed of the history rights and the records' recipients. */
    private void readRights() {
        if (rights != null && shares != null && blobs != null) {
            rightsRead().onFailure(x -> LOG.warn("reading history rights changes failed: {}", x.getMessage()));
        }
    }

    /**
     * What a content request waits for before it is served: with {@code store=postgresql}, every
     * change of the roster, the history rights and the records' recipients, and every blob,
     * committed (on any node) before it arrived is applied, so that a revocation or a removal is
     * never served around; nothing with the file store. Each read is shared by the requests that
     * arrive while it waits ({@link SharedRead}).
     */
    private Future<Void> rightsRead() {
        return records == null ? Future.succeededFuture()
                : Future.all(rosterReads.get(), rights.catchUp(), shares.catchUp(), blobs.catchUp()).mapEmpty();
    }

    /**
     * Opens the history rights ({@code dataDir/rights}, or PostgreSQL), the blob store (file or PostgreSQL, as
     * {@code store} says), and the services of blobs and history.
     */
    private Future<Void> startBlobs() {
        RosterView teams = rosterView == null || rosterView == RosterView.EMPTY ? roster : rosterView;
        Membership members = Membership.of(ds);
        java.util.function.Function<dev.ampoule.relay.protocol.Bytes, java.time.Duration> retention = group ->
                BlobService.teamOf(group).flatMap(teams::team).flatMap(t -> t.retention()).orElse(config.messageTtl);
        days = new TeamDays(contentClock(), retention);
        RightsReadRule readRule = new RightsReadRule(members, rights, days, shares, teams);
        return rights.open().compose(v -> shares.open()).compose(v -> BlobStores.create(vertx, config)).compose(store -> {
            blobs = new BlobService(vertx, store, members, readRule, auditSink(), metrics, contentClock(),
                    BlobLimits.of(config.maxBlobBytes, config.teamBlobQuotaBytes, config.maxFrameBytes), retention);
            history = new HistoryService(blobs, rights, members, readRule, teams, ds::sendApplication, auditSink(),
                    days);
            recordService = new RecordService(blobs, shares, readRule, teams, config.roles, ds::sendApplication, auditSink());
            return blobs.start(config.expirySweep);
        });
    }

    private AuditSink auditSink() {
        return auditSink == AuditSink.NONE ? audit : auditSink;
    }

    private Clock contentClock() {
        return contentClock == null ? clock : contentClock;
    }

    /**
     * Reads the TLS files again and, if their content changed, hands the new certificate, key and
     * client authorities to the server: new connections get them, open ones keep theirs. Runs every
     * {@code tlsReloadSeconds}; operations may call it too. Completes with whether the server took
     * new settings; a file that does not read or load leaves the current ones in place (logged and
     * counted in {@value #TLS_RELOADS}, and not tried again until it changes).
     */
    public Future<Boolean> reloadTls() {
        if (tls == null || loops == null || tlsReloading) {
            return Future.succeededFuture(false);
        }
        tlsReloading = true;
        return vertx.executeBlocking(() -> ServerTls.read(config), false)
                .compose(fresh -> {
                    if (!fresh.changedFrom(tls) || (tlsRefused != null && !fresh.changedFrom(tlsRefused))) {
                        return Future.succeededFuture(false);
                    }
                    return loops.updateSSLOptions(fresh.options()).map(updated -> {
                        tls = fresh;
                        tlsRefused = null;
                        registry.counter(TLS_RELOADS, "result", "ok").increment();
                        LOG.info("TLS certificate reloaded");
                        return true;
                    }).recover(e -> {
                        tlsRefused = fresh;
                        return Future.failedFuture(e);
                    });
                })
                .recover(e -> {
                    registry.counter(TLS_RELOADS, "result", "failed").increment();
                    LOG.warn("the TLS files did not load; the current certificate stays: {}", e.getClass().getSimpleName());
                    return Future.succeededFuture(false);
                })
                .andThen(ar -> tlsReloading = false);
    }

    /** The care-team rules the Delivery Service enforces: the relay's roster (or one given before deployment), audit log and keys. */
    private CareTeamSetup careTeams() {
        boolean ownRoster = rosterView == null || rosterView == RosterView.EMPTY;
        return CareTeamSetup.adHoc()
                .withRoster(ownRoster ? roster : rosterView)
                .withAudit(deliveries) // the relay's audit log (or one given before deployment), deliveries coalesced
                .withKeys(externalSenderKeys)
                .withAdHocGroups(config.adHocGroups);
    }

    private Future<KeySource> keySource() {
        if (!config.usesDevKey()) {
            return jwksUrl().compose(url -> {
                jwks = new JwksKeySource(vertx, url, config.jwksMinRefetch, clock, config.jwksTimeout);
                return jwks.start(config.jwksRefresh).map(v -> jwks);
            });
        }
        return vertx.executeBlocking(() -> DevKeys.loadOrCreate(config.dataDir).keySource(), false);
    }

    /** With {@code metricsPort}: the listener of {@code /metrics}, {@code /health} and {@code /ready} (plain HTTP). */
    private Future<Void> listenMetrics() {
        if (config.metricsPort.isEmpty()) {
            return Future.succeededFuture();
        }
        metricsServer = vertx.createHttpServer(new HttpServerOptions().setHost(config.metricsHost)
                .setPort(config.metricsPort.get())).requestHandler(gateway.operationsRouter());
        return metricsServer.listen()
                .onSuccess(m -> LOG.info("metrics on http://{}:{}/metrics", config.metricsHost, m.actualPort()))
                .mapEmpty();
    }

    /** The port of the metrics listener (after start, with {@code metricsPort}); else the relay's port. */
    public int metricsPort() {
        return metricsServer != null ? metricsServer.actualPort() : actualPort();
    }

    /** {@code jwksUrl}, or the one OpenID discovery finds for {@code oidcIssuer}. */
    private Future<String> jwksUrl() {
        if (config.jwksUrl.isPresent()) {
            return Future.succeededFuture(config.jwksUrl.get());
        }
        HttpClient client = vertx.createHttpClient();
        return OidcDiscovery.jwksUri(client, config.oidcIssuer.orElseThrow(), config.jwksTimeout)
                .onSuccess(url -> LOG.info("OIDC discovery: the JWKS of {} is {}", config.issuer, url))
                .andThen(ar -> client.close());
    }

    /** The port the server listens on (after start). */
    public int actualPort() {
        return loops.actualPort();
    }

    public DeliveryService deliveryService() {
        return ds;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The blobs the relay keeps (after start; confined to this verticle's context): operations, tests. */
    public BlobService blobService() {
        return blobs;
    }

    /** The relay's audit log (after start): where components record events, and what admin queries read. */
    public AuditLog auditLog() {
        return audit;
    }

    /** Runs {@code op} on the relay's context (the Delivery Service is confined to it): operations, tests. */
    public <T> Future<T> onContext(java.util.function.Function<DeliveryService, Future<T>> op) {
        io.vertx.core.Promise<T> done = io.vertx.core.Promise.promise();
        context.runOnContext(v -> op.apply(ds).onComplete(done));
        return done.future();
    }

    /** The care teams and their rosters (after start; confined to this verticle's context). */
    public Roster roster() {
        return roster;
    }

    /** Compacts the store now, on the relay's context (operations, tests). */
    public Future<Boolean> compact() {
        io.vertx.core.Promise<Boolean> done = io.vertx.core.Promise.promise();
        context.runOnContext(v -> ds.compactNow().onComplete(done));
        return done.future();
    }

    /** Stops the periodic samplers behind the disk-space gauges and the event-loop meters. */
    private void stopSamplers() {
        if (diskSpace != null) {
            diskSpace.stop();
        }
        if (loopDelay != null) {
            loopDelay.release();
            loopDelay = null;
        }
    }

    private void closeExternalSenderKeys() {
        if (externalSenderKeys != null) {
            externalSenderKeys.close();
            externalSenderKeys = null;
        }
    }

    @Override
    public Future<?> stop() {
        if (gateway == null) {
            return (ds == null ? Future.<Void>succeededFuture() : ds.stop())
                    .eventually(() -> blobs == null ? Future.succeededFuture() : blobs.stop())
                    .eventually(() -> rights == null ? Future.succeededFuture() : rights.close())
                .eventually(() -> shares == null ? Future.succeededFuture() : shares.close())
                    .andThen(ar -> closeExternalSenderKeys())
                    .compose(v -> closeRoster())
                    .eventually(() -> closeAudit())
                    .andThen(ar -> {
                        if (metrics != null) {
                            metrics.close();
                        }
                    });
        }
        if (ticketPurge >= 0) {
            vertx.cancelTimer(ticketPurge);
        }
        stopSamplers();
        if (tlsCheck >= 0) {
            vertx.cancelTimer(tlsCheck);
        }
        if (jwks != null) {
            jwks.stop();
        }
        gateway.drain();
        long grace = config.shutdownGrace.toMillis();
        // stop accepting at once; clients got Reconnect and have the grace period to leave
        return (loops == null ? Future.<Void>succeededFuture() : loops.shutdown(grace))
                .compose(v -> gateway.closeAll())
                .compose(v -> metricsServer == null ? Future.<Void>succeededFuture()
                        : metricsServer.close().recover(e -> Future.succeededFuture()))
                .compose(v -> ds.stop())
                .eventually(() -> blobs == null ? Future.succeededFuture() : blobs.stop())
                .eventually(() -> rights == null ? Future.succeededFuture() : rights.close())
                .eventually(() -> shares == null ? Future.succeededFuture() : shares.close())
                .andThen(ar -> closeExternalSenderKeys())
                .compose(v -> closeRoster())
                .eventually(() -> closeAudit())
                .eventually(() -> ownsNodeBus ? nodeBus.close() : Future.succeededFuture())
                .andThen(ar -> metrics.close())
                .onSuccess(v -> LOG.info("relay stopped"));
    }

    /** Writes the delivery entries the window holds, then closes the audit log. */
    private Future<Void> closeAudit() {
        if (rosterRefresh >= 0) {
            vertx.cancelTimer(rosterRefresh);
        }
        if (port != null) {
            port.close();
        }
        Future<Void> flushed = deliveries == null ? Future.succeededFuture() : deliveries.close();
        return flushed.transform(ar -> audit == null ? Future.<Void>succeededFuture() : audit.close())
                .eventually(() -> records == null ? Future.succeededFuture() : records.close());
    }

    private Future<Void> closeRoster() {
        return roster == null ? Future.succeededFuture() : roster.close();
    }
}
