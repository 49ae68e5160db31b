package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Delivery Service's KeyPackage duty (RFC 9750 §5.1 duty 1): validating and storing what a
 * device publishes, handing packages out to claimers (rate-limited) and to the relay's own Add
 * proposals (not limited), each ordinary package once and only within its lifetime. The
 * {@link KeyPackageDirectory} holds the state; every change is made durable through the
 * {@link Journal}; roster enforcement hears of publications and claims. Event-loop confined, like
 * the Delivery Service.
 */
final class KeyPackageService {

    private static final Logger LOG = LoggerFactory.getLogger(KeyPackageService.class);

    private final Journal journal;
    private final Validation validation;
    private final RosterEnforcement enforcement;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Clock clock;
    private final KeyPackageDirectory directory = new KeyPackageDirectory();
    private final SignatureKeyRegistry signatureKeys = new SignatureKeyRegistry();
    private final Map<String, TokenBucket> claimLimits = new HashMap<>();
    /** Per user whose KeyPackages others claim. */
    private final Map<String, TokenBucket> targetLimits = new HashMap<>();
    /** Per device, ordinary KeyPackages being validated: counted against the cap until stored or refused. */
    private final Map<DeviceId, Integer> reserved = new HashMap<>();
    /** New devices whose first publication is being validated: counted against their user's device limit. */
    private final Set<DeviceId> registering = new HashSet<>();

    KeyPackageService(Journal journal, Validation validation, RosterEnforcement enforcement, RelayConfig config,
            RelayMetrics metrics, Clock clock) {
        this.journal = journal;
        this.validation = validation;
        this.enforcement = enforcement;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    // ---- recovery ------------------------------------------------------------------------------

    void replay(StoreRecord.KeyPackageAdded r) {
        try {
            directory.add(r.device(), stored(r.ref(), keyPackageOf(r.keyPackage()), r.keyPackage(), r.lastResort()));
        } catch (MlsException e) {
            LOG.error("a stored KeyPackage does not decode; dropped", e);
        }
    }

    void replay(StoreRecord.KeyPackageTaken r) {
        directory.take(r.device(), r.ref());
    }

    void replay(StoreRecord.SignatureKeyRegistered r) {
        signatureKeys.register(r.device(), r.signatureKey());
    }

    /** The records that recreate the directory and the registered signature keys (for a store checkpoint). */
    List<StoreRecord> liveRecords() {
        List<StoreRecord> out = new ArrayList<>(signatureKeys.liveRecords());
        out.addAll(directory.liveRecords());
        return out;
    }

    /**
     * A cluster: the user's KeyPackages and registered keys as the shared database holds them now,
     * replacing what this relay had of them (other relays publish, claim and withdraw too).
     */
    void reloadUser(String userId, List<StoreRecord.KeyPackageAdded> packages, List<StoreRecord.SignatureKeyRegistered> keys) {
        directory.removeUser(userId);
        signatureKeys.removeUser(userId);
        packages.forEach(this::replay);
        keys.forEach(this::replay);
    }

    /** Forgets every KeyPackage and registered signature key of the user (erasure; the caller makes it durable). */
    void removeUser(String userId) {
        directory.removeUser(userId);
        signatureKeys.removeUser(userId);
        targetLimits.remove(userId);
    }

    /** Whether the device registered this signature key (published a KeyPackage with it). */
    boolean registered(DeviceId device, SignaturePublicKey key) {
        return signatureKeys.registered(device, key);
    }

    /**
     * Withdraws every KeyPackage the device still holds, last-resort ones included, durably: its
     * user removed it from a group, so the relay must not propose it again from them.
     */
    Future<Void> withdraw(DeviceId device) {
        List<Future<Void>> writes = new ArrayList<>();
        for (Bytes ref : directory.refs(device)) {
            directory.take(device, ref);
            writes.add(journal.append(new StoreRecord.KeyPackageTaken(device, ref)));
        }
        return Future.all(writes).mapEmpty();
    }

    // ---- publication ---------------------------------------------------------------------------

    /** Validates and stores a device's KeyPackages; completes with how many ordinary ones it holds. */
    Future<Long> publish(DeviceId device, Frame.PublishKeyPackages frame) {
        List<Bytes> list = frame.keyPackages();
        if (frame.lastResort() && list.size() != 1) {
            return Future.failedFuture(new RelayException(ErrorCode.INVALID_MESSAGE, "last_resort needs exactly one KeyPackage"));
        }
        int ordinary = frame.lastResort() ? 0 : list.size();
        int inFlight = reserved.getOrDefault(device, 0);
        if (ordinary > 0 && directory.ordinaryCount(device) + inFlight + ordinary > config.maxKeyPackagesPerDevice) {
            metrics.limitExceeded("key_packages");
            return Future.failedFuture(new RelayException(ErrorCode.LIMIT_EXCEEDED,
                    "at most " + config.maxKeyPackagesPerDevice + " KeyPackages per device"));
        }
        if (!signatureKeys.knows(device) && !registering.contains(device)) {
            long others = registering.stream().filter(d -> d.userId().equals(device.userId())).count();
            if (signatureKeys.devices(device.userId()) + others >= config.maxDevicesPerUser) {
                metrics.limitExceeded("devices_per_user");
                return Future.failedFuture(new RelayException(ErrorCode.LIMIT_EXCEEDED,
                        "at most " + config.maxDevicesPerUser + " devices per user"));
            }
        }
        // a new device counts against its user's limit from now on (validation is asynchronous);
        // once validated, the registry counts it
        boolean newDevice = !signatureKeys.knows(device) && registering.add(device);
        // counted before the asynchronous validation, so that pipelined publications cannot pass the
        // check together; released when it ends, in the same turn as the directory starts counting them
        reserved.merge(device, ordinary, Integer::sum);
        return validation.offLoop(() -> {
            List<KeyPackage> verified = signaturesVerifiedTogether(list);
            List<Validated> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Bytes b = list.get(i);
                KeyPackage kp = verified != null ? verified.get(i) : keyPackageOf(b);
                CipherSuite suite = BcCipherSuites.require(kp.cipherSuite());
                if (verified != null) {
                    kp.validateExceptSignatures(suite);
                } else {
                    kp.validate(suite);
                }
                if (!stored(Bytes.EMPTY, kp, b, false).validAt(clock.instant().getEpochSecond())) {
                    throw new ValidationException(RelayRule.KEY_PACKAGE_LIFETIME);
                }
                if (!PublicGroupView.deviceOf(kp.leafNode().credential()).equals(Optional.of(device))) {
                    throw new RelayException(ErrorCode.FORBIDDEN, "the KeyPackage's credential is not this device");
                }
                out.add(new Validated(stored(Bytes.wrap(kp.ref(suite).value()), kp, b, frame.lastResort()),
                        Bytes.wrap(kp.leafNode().signatureKey().bytes())));
            }
            return out;
        }).andThen(ar -> {
            reserved.computeIfPresent(device, (d, n) -> n - ordinary <= 0 ? null : n - ordinary);
            if (newDevice) {
                registering.remove(device);
            }
        })
                .compose(stored -> {
            List<Future<Void>> writes = new ArrayList<>();
            for (Validated v : stored) {
                KeyPackageDirectory.Stored s = v.stored();
                Bytes key = v.signatureKey();
                if (signatureKeys.isNew(device, key)) {
                    // registered over this device's own connection: the KeyPackage's signature proves possession
                    signatureKeys.register(device, key);
                    writes.add(journal.append(new StoreRecord.SignatureKeyRegistered(device, key)));
                }
                if (directory.holds(device, s.ref())) {
                    continue;
                }
                directory.add(device, s);
                writes.add(journal.append(new StoreRecord.KeyPackageAdded(device, s.ref(), s.cipherSuite(), s.keyPackage(),
                        s.lastResort())));
            }
            return Future.all(writes).map(v -> {
                if (!writes.isEmpty()) {
                    enforcement.keyPackagesPublished(device);
                }
                return (long) directory.ordinaryCount(device);
            });
        });
    }

    /** A published KeyPackage that passed validation, with its leaf's signature key. */
    private record Validated(KeyPackageDirectory.Stored stored, Bytes signatureKey) {
    }

    // ---- hand-out ------------------------------------------------------------------------------

    /** Hands out one KeyPackage per device of the user (or the named device), rate-limited per claimer. */
    Future<List<Frame.KeyPackageEntry>> claim(DeviceId claimer, Frame.ClaimKeyPackages frame) {
        long now = System.nanoTime();
        TokenBucket bucket = claimLimits.computeIfAbsent(claimer.userId(),
                u -> new TokenBucket(config.claimsPerMinute / 60.0, config.claimsPerMinute, now));
        if (!bucket.tryTake(now)) {
            metrics.limitExceeded("claims");
            return Future.failedFuture(new RelayException(ErrorCode.RATE_LIMITED, "too many KeyPackage claims",
                    bucket.millisUntilNext(now)));
        }
        List<KeyPackageDirectory.Claim> claims = directory.choose(frame.userId(), frame.deviceId(), frame.cipherSuite(),
                clock.instant().getEpochSecond());
        if (claims.isEmpty()) {
            return Future.failedFuture(new RelayException(ErrorCode.NO_KEY_PACKAGE, "no KeyPackage to hand out"));
        }
        if (!claimer.userId().equals(frame.userId())) {
            // others may not drain one user's KeyPackages (kept only for users that hold some)
            TokenBucket target = targetLimits.computeIfAbsent(frame.userId(), u -> new TokenBucket(
                    config.claimsPerTargetPerMinute / 60.0, config.claimsPerTargetPerMinute, now));
            if (!target.tryTake(now)) {
                metrics.limitExceeded("claims_per_target");
                return Future.failedFuture(new RelayException(ErrorCode.RATE_LIMITED,
                        "too many claims of this user's KeyPackages", target.millisUntilNext(now)));
            }
        }
        List<Frame.KeyPackageEntry> out = new ArrayList<>();
        for (KeyPackageDirectory.Claim c : claims) {
            out.add(new Frame.KeyPackageEntry(c.device().userId(), c.device().deviceId(), c.keyPackage().keyPackage()));
        }
        enforcement.keyPackagesClaimed(claimer, frame.userId(), out.size());
        return take(claims).map(v -> out);
    }

    /**
     * Claims one KeyPackage of the suite for each device of the user except {@code skip} (at most
     * {@code max}), for the
     * relay's own Add proposals (limited per team by its caller): the claims at once, their
     * hand-out durable when {@link RelayClaims#durable} completes.
     */
    RelayClaims claimForRelay(String userId, int cipherSuite, Set<DeviceId> skip, int max) {
        List<KeyPackageDirectory.Claim> claims = new ArrayList<>(directory.choose(userId, Optional.empty(), cipherSuite,
                clock.instant().getEpochSecond()));
        claims.removeIf(c -> skip.contains(c.device()));
        if (claims.size() > max) {
            claims = new ArrayList<>(claims.subList(0, Math.max(0, max)));
        }
        return new RelayClaims(List.copyOf(claims), take(claims));
    }

    /** KeyPackages claimed for the relay's proposals, and when their hand-out is durable. */
    record RelayClaims(List<KeyPackageDirectory.Claim> claims, Future<Void> durable) {
    }

    /** Marks the ordinary packages among the claims as handed out, durably (last-resort ones stay). */
    private Future<Void> take(List<KeyPackageDirectory.Claim> claims) {
        List<Future<Void>> writes = new ArrayList<>();
        for (KeyPackageDirectory.Claim c : claims) {
            if (c.consumes()) {
                directory.take(c.device(), c.keyPackage().ref());
                writes.add(journal.append(new StoreRecord.KeyPackageTaken(c.device(), c.keyPackage().ref())));
            }
        }
        return Future.all(writes).mapEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * The publication's KeyPackages, decoded, when all their signatures verify together (a device
     * publishes up to {@code maxKeyPackagesPerDevice} at once, signed with its one key; for Ed25519
     * one equation, {@code CipherSuite.firstInvalidSignature}); null when one does not, one does
     * not decode, or their suites differ — each is then validated on its own, and the first
     * failure in list order is the one reported, as before.
     */
    private static List<KeyPackage> signaturesVerifiedTogether(List<Bytes> list) {
        if (list.size() < 2) {
            return null;
        }
        try {
            List<KeyPackage> kps = list.stream().map(KeyPackageService::keyPackageOf).toList();
            int wire = kps.get(0).cipherSuite();
            if (kps.stream().anyMatch(k -> k.cipherSuite() != wire)) {
                return null;
            }
            return KeyPackage.signaturesVerify(BcCipherSuites.require(wire), kps) ? kps : null;
        } catch (RuntimeException invalid) {
            return null;
        }
    }

    private static KeyPackage keyPackageOf(Bytes bytes) {
        if (MlsInputs.mlsOf(bytes) instanceof MlsMessage.OfKeyPackage okp) {
            return okp.keyPackage();
        }
        throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a KeyPackage");
    }

    /** A package as the directory keeps it, with its lifetime (RFC 9420 §7.2). */
    private static KeyPackageDirectory.Stored stored(Bytes ref, KeyPackage kp, Bytes bytes, boolean lastResort) {
        long notBefore = 0;
        long notAfter = -1L; // unsigned maximum
        if (kp.leafNode().source() instanceof LeafNodeSource.KeyPackage k) {
            notBefore = k.lifetime().notBefore();
            notAfter = k.lifetime().notAfter();
        }
        return new KeyPackageDirectory.Stored(ref, kp.cipherSuite(), bytes, lastResort, notBefore, notAfter);
    }
}
