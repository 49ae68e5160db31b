package dev.ampoule.client;

import dev.ampoule.client.identity.DeviceCertificate;
import dev.ampoule.client.identity.IssuerClient;
import dev.ampoule.client.identity.IssuerException;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.error.ValidationException;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this device's certificate fresh (IDENTITY.md, "The device's certificate"): at connect, the
 * stored certificate is used while it is less than two thirds into its lifetime; otherwise the
 * identity issuer certifies the device's signature key again. Each certificate is checked before
 * use — it must validate against the configured trust anchors, certify this device's key and name
 * this device — then stored with the device's state, and becomes the credential of new KeyPackages
 * and groups. The next one is asked for two thirds into the lifetime; a failed renewal is retried
 * (30 s, doubling, at most 10 minutes apart) while the current certificate serves. State-thread
 * confined, except the token supplier, which is called on the I/O thread (it may block).
 */
final class DeviceCredentials {

    private static final Duration RETRY_MIN = Duration.ofSeconds(30);
    private static final Duration RETRY_MAX = Duration.ofMinutes(10);

    private final ClientEngine engine;
    private final IssuerClient issuer;
    private ScheduledFuture<?> next;
    private Duration retry = RETRY_MIN;

    DeviceCredentials(ClientEngine engine, IssuerClient issuer) {
        this.engine = engine;
        this.issuer = issuer;
    }

    /**
     * On the state thread, once the device is loaded: the stored certificate when fresh enough, or
     * a new one. Fails with {@link AmpouleException.Reason#IDENTITY} when no valid certificate can
     * be had (a stored one that has not expired is used while the issuer is unreachable).
     */
    CompletableFuture<Void> start() {
        Optional<DeviceCertificate> stored = engine.device.certificate
                .flatMap(c -> usable(c, CredentialContext.TREE_MEMBER));
        Instant now = Instant.now();
        if (stored.isPresent() && now.isBefore(stored.get().renewAt())) {
            use(stored.get());
            schedule(Duration.between(now, stored.get().renewAt()));
            return CompletableFuture.completedFuture(null);
        }
        return obtain().handleAsync((fresh, e) -> {
            if (e == null) {
                install(fresh);
                return null;
            }
            AmpouleException failure = identityFailure(e);
            if (stored.isPresent() && Instant.now().isBefore(stored.get().notAfter())) {
                use(stored.get());
                engine.emit(new ClientEvent.Problem("the device certificate was not renewed: " + failure.getMessage()));
                retryLater();
                return null;
            }
            throw failure;
        }, engine.exec);
    }

    /** Stops the renewals (the client closes). */
    void stop() {
        if (next != null) {
            next.cancel(false);
        }
    }

    /** Asks the issuer for a certificate of this device's key, and checks it. */
    private CompletableFuture<DeviceCertificate> obtain() {
        return CompletableFuture.supplyAsync(() -> engine.settings.issuerTokens().get(), engine.io)
                .thenCompose(token -> issuer.certify(engine.settings.self(), engine.suite, engine.device.keys, token))
                .thenApplyAsync(c -> usable(c.credential(), CredentialContext.KEY_PACKAGE).orElseThrow(() -> new AmpouleException(
                        AmpouleException.Reason.IDENTITY, "the issuer's certificate does not validate against the "
                                + "trust anchors, or does not certify this device's key and name")), engine.exec);
    }

    /**
     * The certificate as this device's own, if the device's own Authentication Service accepts it in
     * {@code context} (a stored one may have expired: the caller looks at its validity).
     */
    private Optional<DeviceCertificate> usable(Credential.X509 credential, CredentialContext context) {
        try {
            engine.auth.validate(credential, engine.device.keys.publicKey(), engine.suite.id(), context);
            if (!DeviceNames.deviceOf(credential).equals(Optional.of(engine.settings.self()))) {
                return Optional.empty();
            }
            X509Certificate leaf = X509EndEntity.of(credential).certificate();
            return Optional.of(new DeviceCertificate(credential, leaf.getNotBefore().toInstant(),
                    leaf.getNotAfter().toInstant()));
        } catch (ValidationException e) {
            return Optional.empty();
        }
    }

    private void use(DeviceCertificate c) {
        engine.credential = c.credential();
        engine.certificateNotAfter = Optional.of(c.notAfter());
    }

    /** Adopts a new certificate: stored first, then the credential of new KeyPackages and groups. */
    private void install(DeviceCertificate c) {
        engine.device.certificate = Optional.of(c.credential());
        try {
            engine.persistDevice();
        } catch (IOException e) {
            engine.emit(new ClientEvent.Problem("cannot store the device certificate: " + e.getMessage()));
        }
        use(c);
        engine.emit(new ClientEvent.DeviceCertified(c.notBefore(), c.notAfter()));
        engine.flushSoon();
        retry = RETRY_MIN;
        schedule(Duration.between(Instant.now(), c.renewAt()));
    }

    private void renew() {
        obtain().whenCompleteAsync((fresh, e) -> {
            if (engine.isClosed()) {
                return;
            }
            if (e != null) {
                engine.emit(new ClientEvent.Problem("the device certificate was not renewed: "
                        + identityFailure(e).getMessage()));
                engine.flushSoon();
                retryLater();
                return;
            }
            install(fresh);
            engine.credentialRenewed();
        }, engine.exec);
    }

    private void retryLater() {
        schedule(retry);
        retry = retry.multipliedBy(2).compareTo(RETRY_MAX) > 0 ? RETRY_MAX : retry.multipliedBy(2);
    }

    private void schedule(Duration in) {
        stop();
        try {
            next = engine.exec.schedule(this::renew, Math.max(0, in.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            next = null;
        }
    }

    private static AmpouleException identityFailure(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return switch (t) {
            case AmpouleException a when a.reason() == AmpouleException.Reason.IDENTITY -> a;
            case IssuerException i -> new AmpouleException(AmpouleException.Reason.IDENTITY,
                    "the identity issuer refused: " + i.getMessage(), i);
            default -> new AmpouleException(AmpouleException.Reason.IDENTITY,
                    "no device certificate: " + ClientEngine.failure(t).getMessage(), t);
        };
    }
}
