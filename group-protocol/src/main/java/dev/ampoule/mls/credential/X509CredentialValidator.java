package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.CRLReason;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorResult;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Validation of {@code x509} credentials (RFC 9420 §5.3): "each entry in the certificates field
 * represents a single DER-encoded X.509 certificate. The chain is ordered such that the first entry
 * (certificates[0]) is the end-entity certificate. The public key encoded in the
 * subjectPublicKeyInfo of the end-entity certificate MUST be identical to the signature_key in the
 * LeafNode containing this credential. A chain MAY omit any non-leaf certificates that supported
 * peers are known to already possess."
 *
 * <p>Checks, in this order, each failure raising a {@link ValidationException} with the
 * {@link CredentialRule} named and, as detail, the index of the certificate at fault (0 = end
 * entity):
 * <ol>
 *   <li>the chain is not empty ({@code EMPTY_CHAIN}) and not longer than the configured limit, 10 by
 *       default ({@code CHAIN_TOO_LONG});</li>
 *   <li>every entry is exactly one DER certificate, nothing before or after it
 *       ({@code MALFORMED_CERTIFICATE});</li>
 *   <li>the end-entity subjectPublicKeyInfo algorithm is the suite's signature scheme — id-Ed25519,
 *       id-Ed448 with absent parameters, or id-ecPublicKey with the suite's named curve
 *       ({@code SIGNATURE_ALGORITHM_MISMATCH}) — and its subjectPublicKey bytes are identical to the
 *       presented signature key: the 32 or 57 raw EdDSA bytes, or the SEC1 point for ECDSA, which in
 *       MLS is uncompressed, so a certificate carrying a compressed point never matches
 *       ({@code SIGNATURE_KEY_MISMATCH});</li>
 *   <li>each certificate names the next as its issuer ({@code CHAIN_NOT_IN_ORDER}); certificates
 *       from the first one (after the end entity) that has a configured trust anchor's subject and
 *       public key onwards are dropped (a chain may carry its root, or a re-issue of it); when the top certificate's issuer is not a trust anchor, the chain is
 *       completed from the configured intermediates ("MAY omit any non-leaf certificates"), and
 *       fails with {@code UNTRUSTED_CHAIN} when that is impossible;</li>
 *   <li>at the validation instant every certificate of the path is within its validity period
 *       ({@code CERTIFICATE_EXPIRED}, {@code CERTIFICATE_NOT_YET_VALID}); every issuer in the path
 *       is a CA ({@code ISSUER_NOT_CA}) whose keyUsage, if present, allows keyCertSign
 *       ({@code ISSUER_KEY_USAGE}); the end-entity keyUsage, if present, allows digitalSignature
 *       ({@code LEAF_KEY_USAGE});</li>
 *   <li>RFC 5280 path validation by Bouncy Castle's PKIX validator against the trust anchors
 *       (signatures, path length, name constraints, policies, critical extensions). A failure is
 *       reported as {@code BAD_CERTIFICATE_SIGNATURE} when a certificate in the path does not
 *       verify under the next one's key, {@code UNTRUSTED_CHAIN} when the top certificate does not
 *       verify under any trust anchor that has its issuer's name, and {@code CHAIN_INVALID}
 *       otherwise;</li>
 *   <li>revocation ({@code CERTIFICATE_REVOKED}): a certificate of the path is revoked when a
 *       configured CRL with its issuer's name, whose signature verifies under the issuer's key, lists
 *       its serial number (reason {@code removeFromCRL} excepted). This check is soft: a
 *       certificate with no CRL for its issuer passes, and a CRL past its nextUpdate still counts
 *       (an entry never becomes less true; a certificate on hold counts as revoked while any configured
 *       CRL lists it). CRLs are fixed when the validator is built; rebuild it to
 *       install fresh lists.</li>
 * </ol>
 *
 * <p>The validation instant is the configured {@link Clock}'s. In the contexts given to
 * {@link Builder#tolerateExpiryIn}, a path whose certificates have expired is validated at the
 * earliest notAfter of the path instead, i.e. it is accepted if it was valid at some instant
 * (RFC 9420 §5.3.2 suggests tolerance, e.g. for credentials in a ratchet tree one joins).
 *
 * <p>Nothing is fetched from the network: no OCSP, no CRL distribution points, no AIA. Trust
 * anchors are taken as names and keys (RFC 5280 §6.1.1(d)); their own validity period is not
 * checked here.
 *
 * <p>Replacement (§5.3.1): by default the successor's end-entity certificate must present the same
 * identity as the current one, where the identity is the subject distinguished name compared as an
 * {@link X500Principal} (canonical form, case-insensitive), or, for a certificate with an empty
 * subject, the set of its subjectAltName entries (which must then be non-empty and equal). The
 * signature key may change. {@link Builder#replacementPolicy} replaces this rule.
 *
 * <p>Cost: a first validation of a two-certificate chain takes about 0.3 ms (JIT-warm, mostly the
 * two certificate signatures); validating many leaves, e.g. the tree of a group being joined, may be
 * spread over several threads. Successful validations are cached, keyed by a SHA-256 digest of the
 * chain, with the path's common validity window: a chain already validated is accepted again after
 * a digest, a key comparison and a time comparison (a few microseconds). The configuration is
 * immutable and instances are thread-safe.
 */
public final class X509CredentialValidator implements AuthenticationService {

    /** Bouncy Castle, used as an explicit provider and never installed globally. */
    private static final Provider BC = new BouncyCastleProvider();

    private static final JcaX509CertificateConverter CONVERTER = new JcaX509CertificateConverter().setProvider(BC);

    private final Set<X509Certificate> anchorCertificates;
    private final Set<TrustAnchor> trustAnchors;
    private final Map<X500Principal, List<X509Certificate>> anchorsBySubject;
    private final Map<X500Principal, List<X509Certificate>> intermediatesBySubject;
    private final Map<X500Principal, List<X509CRL>> crlsByIssuer;
    private final Clock clock;
    private final Set<CredentialContext> expiryTolerated;
    private final int maxChainLength;
    private final int cacheLimit;
    private final BiPredicate<X509Certificate, X509Certificate> replacementPolicy;
    private final ConcurrentHashMap<ByteBuffer, ValidatedChain> cache = new ConcurrentHashMap<>();

    private X509CredentialValidator(Builder b) {
        this.anchorCertificates = Set.copyOf(b.anchors);
        Set<TrustAnchor> ta = new HashSet<>();
        for (X509Certificate c : b.anchors) {
            ta.add(new TrustAnchor(c, null));
        }
        this.trustAnchors = Set.copyOf(ta);
        this.anchorsBySubject = bySubject(b.anchors);
        this.intermediatesBySubject = bySubject(b.intermediates);
        Map<X500Principal, List<X509CRL>> crls = new HashMap<>();
        for (X509CRL crl : b.crls) {
            crls.computeIfAbsent(crl.getIssuerX500Principal(), k -> new ArrayList<>()).add(crl);
        }
        crls.replaceAll((k, v) -> List.copyOf(v));
        this.crlsByIssuer = Map.copyOf(crls);
        this.clock = b.clock;
        this.expiryTolerated = Set.copyOf(b.expiryTolerated);
        this.maxChainLength = b.maxChainLength;
        this.cacheLimit = b.cacheLimit;
        this.replacementPolicy = b.replacementPolicy;
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- validation -------------------------------------------------------------------------------

    @Override
    public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
            CredentialContext context) {
        Objects.requireNonNull(signatureKey, "signatureKey");
        Objects.requireNonNull(context, "context");
        if (!(credential instanceof Credential.X509 x509)) {
            throw new ValidationException(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE, "type " + credential.type());
        }
        List<Credential.Certificate> entries = x509.certificates();
        if (entries.isEmpty()) {
            throw new ValidationException(CredentialRule.EMPTY_CHAIN);
        }
        if (entries.size() > maxChainLength) {
            throw new ValidationException(CredentialRule.CHAIN_TOO_LONG, entries.size() + " certificates");
        }
        LeafKeyAlgorithm expected = LeafKeyAlgorithm.of(suite);
        Instant now = clock.instant();
        boolean tolerateExpiry = expiryTolerated.contains(context);

        ByteBuffer digest = cacheLimit > 0 ? digest(entries) : null;
        if (digest != null) {
            ValidatedChain known = cache.get(digest);
            if (known != null && known.accepts(expected, signatureKey, now, tolerateExpiry)) {
                return;
            }
        }

        List<X509Certificate> chain = new ArrayList<>(entries.size());
        SubjectPublicKeyInfo leafKeyInfo = null;
        for (int i = 0; i < entries.size(); i++) {
            X509CertificateHolder holder = parseHolder(entries.get(i).certData(), i);
            if (i == 0) {
                leafKeyInfo = holder.getSubjectPublicKeyInfo();
            }
            chain.add(toJca(holder, i));
        }
        byte[] leafKey = checkLeafKey(leafKeyInfo, expected, signatureKey);

        List<X509Certificate> path = assemblePath(chain);
        Instant at = validationInstant(path, now, tolerateExpiry);
        checkValidityPeriods(path, at);
        checkIssuers(path);
        TrustAnchor anchor = pkixValidate(path, at);
        checkRevocation(path, anchor);

        if (digest != null) {
            if (cache.size() >= cacheLimit) {
                cache.clear();
            }
            cache.put(digest, new ValidatedChain(expected, leafKey, latestNotBefore(path), earliestNotAfter(path)));
        }
    }

    /** The end-entity key must use the suite's scheme and equal the presented key (§5.1.2, §5.3). */
    static byte[] checkLeafKey(SubjectPublicKeyInfo info, LeafKeyAlgorithm expected, SignaturePublicKey key) {
        if (!expected.matches(info.getAlgorithm())) {
            throw new ValidationException(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, "certificate 0");
        }
        ASN1BitString bits = info.getPublicKeyData();
        if (bits.getPadBits() != 0) {
            throw new ValidationException(CredentialRule.SIGNATURE_KEY_MISMATCH, "certificate 0");
        }
        byte[] certified = bits.getOctets();
        if (!MessageDigest.isEqual(certified, key.bytes())) {
            throw new ValidationException(CredentialRule.SIGNATURE_KEY_MISMATCH, "certificate 0");
        }
        return certified;
    }

    /**
     * The certification path, end entity first, without trust anchors: the presented chain checked
     * for order, cut at the first certificate that is itself a trust anchor, and completed from the
     * configured intermediates until its top certificate's issuer is a trust anchor.
     */
    private List<X509Certificate> assemblePath(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                throw new ValidationException(CredentialRule.CHAIN_NOT_IN_ORDER, "certificate " + i);
            }
        }
        List<X509Certificate> path = new ArrayList<>(chain);
        for (int i = 1; i < path.size(); i++) {
            if (isAnchor(path.get(i))) {
                path.subList(i, path.size()).clear();
                break;
            }
        }
        while (!anchorsBySubject.containsKey(path.getLast().getIssuerX500Principal())) {
            X509Certificate issuer = knownIssuer(path);
            if (issuer == null) {
                throw new ValidationException(CredentialRule.UNTRUSTED_CHAIN, "certificate " + (path.size() - 1));
            }
            path.add(issuer);
            if (path.size() > maxChainLength) {
                throw new ValidationException(CredentialRule.CHAIN_TOO_LONG, "completed chain");
            }
        }
        return path;
    }

    /** True for a trust anchor or a re-issue of one: a certificate with an anchor's name and key. */
    private boolean isAnchor(X509Certificate cert) {
        if (anchorCertificates.contains(cert)) {
            return true;
        }
        PublicKey key = cert.getPublicKey();
        if (key == null) {
            return false;
        }
        for (X509Certificate anchor : anchorsBySubject.getOrDefault(cert.getSubjectX500Principal(), List.of())) {
            if (Arrays.equals(key.getEncoded(), anchor.getPublicKey().getEncoded())) {
                return true;
            }
        }
        return false;
    }

    /** A configured intermediate, not yet in the path, that issued the path's top certificate. */
    private X509Certificate knownIssuer(List<X509Certificate> path) {
        X509Certificate top = path.getLast();
        for (X509Certificate candidate : intermediatesBySubject.getOrDefault(top.getIssuerX500Principal(), List.of())) {
            if (!path.contains(candidate) && verifies(top, candidate.getPublicKey())) {
                return candidate;
            }
        }
        return null;
    }

    private Instant validationInstant(List<X509Certificate> path, Instant now, boolean tolerateExpiry) {
        Instant earliestEnd = earliestNotAfter(path);
        return tolerateExpiry && now.isAfter(earliestEnd) ? earliestEnd : now;
    }

    private static void checkValidityPeriods(List<X509Certificate> path, Instant at) {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            if (at.isBefore(c.getNotBefore().toInstant())) {
                throw new ValidationException(CredentialRule.CERTIFICATE_NOT_YET_VALID, "certificate " + i);
            }
            if (at.isAfter(c.getNotAfter().toInstant())) {
                throw new ValidationException(CredentialRule.CERTIFICATE_EXPIRED, "certificate " + i);
            }
        }
    }

    private static void checkIssuers(List<X509Certificate> path) {
        boolean[] leafUsage = path.getFirst().getKeyUsage();
        if (leafUsage != null && !(leafUsage.length > 0 && leafUsage[0])) {
            throw new ValidationException(CredentialRule.LEAF_KEY_USAGE, "certificate 0");
        }
        for (int i = 1; i < path.size(); i++) {
            X509Certificate issuer = path.get(i);
            if (issuer.getBasicConstraints() < 0) {
                throw new ValidationException(CredentialRule.ISSUER_NOT_CA, "certificate " + i);
            }
            boolean[] usage = issuer.getKeyUsage();
            if (usage != null && !(usage.length > 5 && usage[5])) {
                throw new ValidationException(CredentialRule.ISSUER_KEY_USAGE, "certificate " + i);
            }
        }
    }

    /** RFC 5280 §6.1 by Bouncy Castle's PKIX validator; returns the anchor the path ends in. */
    private TrustAnchor pkixValidate(List<X509Certificate> path, Instant at) {
        CertPathValidatorResult result;
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509", BC).generateCertPath(path);
            PKIXParameters parameters = new PKIXParameters(trustAnchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(at));
            result = CertPathValidator.getInstance("PKIX", BC).validate(certPath, parameters);
        } catch (CertPathValidatorException e) {
            throw diagnose(path, e.getIndex());
        } catch (RuntimeException e) {
            // The validator choking on some odd but well-formed certificate content.
            throw diagnose(path, -1);
        } catch (GeneralSecurityException e) {
            throw new InternalException("PKIX validator unavailable", e);
        }
        if (result instanceof PKIXCertPathValidatorResult pkix) {
            return pkix.getTrustAnchor();
        }
        throw new InternalException("PKIX validator returned no trust anchor");
    }

    /** Names the rule behind a PKIX failure; pre-checks have already ruled out the others. */
    private ValidationException diagnose(List<X509Certificate> path, int failedIndex) {
        for (int i = 0; i + 1 < path.size(); i++) {
            if (!verifies(path.get(i), path.get(i + 1).getPublicKey())) {
                return new ValidationException(CredentialRule.BAD_CERTIFICATE_SIGNATURE, "certificate " + i);
            }
        }
        X509Certificate top = path.getLast();
        boolean anchored = false;
        for (X509Certificate anchor : anchorsBySubject.getOrDefault(top.getIssuerX500Principal(), List.of())) {
            anchored |= verifies(top, anchor.getPublicKey());
        }
        if (!anchored) {
            return new ValidationException(CredentialRule.UNTRUSTED_CHAIN, "certificate " + (path.size() - 1));
        }
        return failedIndex >= 0
                ? new ValidationException(CredentialRule.CHAIN_INVALID, "certificate " + failedIndex)
                : new ValidationException(CredentialRule.CHAIN_INVALID);
    }

    private void checkRevocation(List<X509Certificate> path, TrustAnchor anchor) {
        if (crlsByIssuer.isEmpty()) {
            return;
        }
        for (int i = 0; i < path.size(); i++) {
            X509Certificate cert = path.get(i);
            PublicKey issuerKey = i + 1 < path.size() ? path.get(i + 1).getPublicKey()
                    : anchor.getTrustedCert().getPublicKey();
            for (X509CRL crl : crlsByIssuer.getOrDefault(cert.getIssuerX500Principal(), List.of())) {
                X509CRLEntry entry = crl.getRevokedCertificate(cert);
                if (entry != null && entry.getRevocationReason() != CRLReason.REMOVE_FROM_CRL
                        && verifies(crl, issuerKey)) {
                    throw new ValidationException(CredentialRule.CERTIFICATE_REVOKED, "certificate " + i);
                }
            }
        }
    }

    // ---- replacement ------------------------------------------------------------------------------

    /**
     * True when both are X.509 credentials whose end-entity certificates parse and satisfy the
     * replacement policy (by default: the same subject, or for empty subjects the same
     * subjectAltNames).
     */
    @Override
    public boolean allowsReplacement(Credential current, Credential successor) {
        if (!(current instanceof Credential.X509 a) || !(successor instanceof Credential.X509 b)
                || a.certificates().isEmpty() || b.certificates().isEmpty()) {
            return false;
        }
        try {
            X509Certificate currentLeaf = toJca(parseHolder(a.certificates().getFirst().certData(), 0), 0);
            X509Certificate successorLeaf = toJca(parseHolder(b.certificates().getFirst().certData(), 0), 0);
            return replacementPolicy.test(currentLeaf, successorLeaf);
        } catch (ValidationException malformed) {
            return false;
        }
    }

    /**
     * The default replacement rule: both certificates present the same identity — the same
     * non-empty subject DN, or, when the subjects are empty, the same non-empty set of
     * subjectAltName entries (RFC 5280 §4.2.1.6).
     */
    public static boolean sameIdentity(X509Certificate current, X509Certificate successor) {
        boolean currentNamed = X500Name.getInstance(current.getSubjectX500Principal().getEncoded()).getRDNs().length > 0;
        boolean successorNamed = X500Name.getInstance(successor.getSubjectX500Principal().getEncoded()).getRDNs().length > 0;
        if (currentNamed || successorNamed) {
            return current.getSubjectX500Principal().equals(successor.getSubjectX500Principal());
        }
        Set<ByteBuffer> names = subjectAltNames(current);
        return !names.isEmpty() && names.equals(subjectAltNames(successor));
    }

    private static Set<ByteBuffer> subjectAltNames(X509Certificate cert) {
        Set<ByteBuffer> out = new HashSet<>();
        try {
            Extension ext = new X509CertificateHolder(cert.getEncoded()).getExtension(Extension.subjectAlternativeName);
            if (ext != null) {
                for (GeneralName name : GeneralNames.getInstance(ext.getParsedValue()).getNames()) {
                    out.add(ByteBuffer.wrap(name.getEncoded(ASN1Encoding.DER)));
                }
            }
        } catch (IOException | CertificateException | RuntimeException malformed) {
            return Set.of();
        }
        return out;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Strict parse: one DER certificate whose DER re-encoding is the input, byte for byte. */
    static X509CertificateHolder parseHolder(byte[] der, int index) {
        org.bouncycastle.asn1.x509.Certificate structure;
        boolean canonical;
        try {
            structure = org.bouncycastle.asn1.x509.Certificate.getInstance(ASN1Primitive.fromByteArray(der));
            canonical = structure != null && Arrays.equals(structure.getEncoded(ASN1Encoding.DER), der);
        } catch (IOException | RuntimeException e) {
            throw new ValidationException(CredentialRule.MALFORMED_CERTIFICATE, "certificate " + index);
        }
        if (!canonical) {
            throw new ValidationException(CredentialRule.MALFORMED_CERTIFICATE, "certificate " + index);
        }
        return new X509CertificateHolder(structure);
    }

    /**
     * The JCA view of a parsed certificate. Bouncy Castle decodes some fields lazily (times, public
     * key, extensions); they are all read here once so that a malformed value is reported as
     * {@code MALFORMED_CERTIFICATE} rather than escaping later as a runtime exception.
     */
    static X509Certificate toJca(X509CertificateHolder holder, int index) {
        try {
            X509Certificate cert = CONVERTER.getCertificate(holder);
            cert.getNotBefore();
            cert.getNotAfter();
            cert.getSubjectX500Principal();
            cert.getIssuerX500Principal();
            cert.getKeyUsage();
            cert.getBasicConstraints();
            if (cert.getPublicKey() == null) {
                throw new ValidationException(CredentialRule.MALFORMED_CERTIFICATE, "certificate " + index);
            }
            return cert;
        } catch (CertificateException | RuntimeException e) {
            throw new ValidationException(CredentialRule.MALFORMED_CERTIFICATE, "certificate " + index);
        }
    }

    private static boolean verifies(X509Certificate cert, PublicKey issuerKey) {
        try {
            cert.verify(issuerKey, BC);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static boolean verifies(X509CRL crl, PublicKey issuerKey) {
        try {
            crl.verify(issuerKey, BC);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static ByteBuffer digest(List<Credential.Certificate> entries) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (Credential.Certificate entry : entries) {
                byte[] der = entry.certData();
                sha256.update(ByteBuffer.allocate(4).putInt(der.length).array());
                sha256.update(der);
            }
            return ByteBuffer.wrap(sha256.digest());
        } catch (GeneralSecurityException e) {
            throw new InternalException("SHA-256 unavailable", e);
        }
    }

    private static Instant earliestNotAfter(List<X509Certificate> path) {
        Instant min = Instant.MAX;
        for (X509Certificate c : path) {
            Instant t = c.getNotAfter().toInstant();
            min = t.isBefore(min) ? t : min;
        }
        return min;
    }

    private static Instant latestNotBefore(List<X509Certificate> path) {
        Instant max = Instant.MIN;
        for (X509Certificate c : path) {
            Instant t = c.getNotBefore().toInstant();
            max = t.isAfter(max) ? t : max;
        }
        return max;
    }

    private static Map<X500Principal, List<X509Certificate>> bySubject(Collection<X509Certificate> certs) {
        Map<X500Principal, List<X509Certificate>> map = new HashMap<>();
        for (X509Certificate c : certs) {
            map.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>()).add(c);
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(map);
    }

    /** A chain that passed every check, with the window in which its path is valid. */
    private record ValidatedChain(LeafKeyAlgorithm algorithm, byte[] leafKey, Instant notBefore, Instant notAfter) {
        boolean accepts(LeafKeyAlgorithm expected, SignaturePublicKey key, Instant now, boolean tolerateExpiry) {
            return algorithm == expected && MessageDigest.isEqual(leafKey, key.bytes()) && !now.isBefore(notBefore)
                    && (tolerateExpiry || !now.isAfter(notAfter));
        }
    }

    // ---- configuration ----------------------------------------------------------------------------

    /** Configuration of an {@link X509CredentialValidator}; at least one trust anchor is required. */
    public static final class Builder {
        private final Set<X509Certificate> anchors = new LinkedHashSet<>();
        private final Set<X509Certificate> intermediates = new LinkedHashSet<>();
        private final List<X509CRL> crls = new ArrayList<>();
        private final Set<CredentialContext> expiryTolerated = EnumSet.noneOf(CredentialContext.class);
        private Clock clock = Clock.systemUTC();
        private int maxChainLength = 10;
        private int cacheLimit = 4096;
        private BiPredicate<X509Certificate, X509Certificate> replacementPolicy = X509CredentialValidator::sameIdentity;

        private Builder() {}

        /** A trusted root (or any CA certificate trusted directly); its name and key are used. */
        public Builder trustAnchor(X509Certificate anchor) {
            anchors.add(normalise(anchor));
            return this;
        }

        public Builder trustAnchors(Collection<X509Certificate> anchors) {
            anchors.forEach(this::trustAnchor);
            return this;
        }

        /**
         * A CA certificate peers may omit from their chains (RFC 9420 §5.3); used only to complete a
         * chain up to a trust anchor, never trusted by itself.
         */
        public Builder intermediate(X509Certificate intermediate) {
            intermediates.add(normalise(intermediate));
            return this;
        }

        public Builder intermediates(Collection<X509Certificate> intermediates) {
            intermediates.forEach(this::intermediate);
            return this;
        }

        /** A certificate revocation list of one of the CAs (see the class documentation). */
        public Builder crl(X509CRL crl) {
            try {
                if (CertificateFactory.getInstance("X.509", BC)
                        .generateCRL(new ByteArrayInputStream(crl.getEncoded())) instanceof X509CRL parsed) {
                    crls.add(parsed);
                    return this;
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("unreadable CRL", e);
            }
            throw new IllegalArgumentException("unreadable CRL");
        }

        public Builder crls(Collection<X509CRL> crls) {
            crls.forEach(this::crl);
            return this;
        }

        /** The source of the validation instant; the system UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * Contexts in which a chain that has expired is accepted if it was valid at some instant
         * (RFC 9420 §5.3.2), e.g. {@link CredentialContext#TREE_MEMBER}. None by default.
         */
        public Builder tolerateExpiryIn(CredentialContext... contexts) {
            expiryTolerated.addAll(List.of(contexts));
            return this;
        }

        /** The longest chain accepted, presented or completed; 10 by default. */
        public Builder maxChainLength(int maxChainLength) {
            if (maxChainLength < 1) {
                throw new IllegalArgumentException("maxChainLength must be at least 1");
            }
            this.maxChainLength = maxChainLength;
            return this;
        }

        /** How many validated chains to remember (0 disables the cache); 4096 by default. */
        public Builder cacheLimit(int cacheLimit) {
            if (cacheLimit < 0) {
                throw new IllegalArgumentException("cacheLimit must not be negative");
            }
            this.cacheLimit = cacheLimit;
            return this;
        }

        /**
         * Decides whether a member's new end-entity certificate may replace its current one (both
         * already validated); {@link X509CredentialValidator#sameIdentity} by default.
         */
        public Builder replacementPolicy(BiPredicate<X509Certificate, X509Certificate> policy) {
            this.replacementPolicy = Objects.requireNonNull(policy);
            return this;
        }

        public X509CredentialValidator build() {
            if (anchors.isEmpty()) {
                throw new IllegalStateException("at least one trust anchor is required");
            }
            return new X509CredentialValidator(this);
        }

        /** Re-reads a certificate with Bouncy Castle so that every certificate has one implementation. */
        private static X509Certificate normalise(X509Certificate cert) {
            X509Certificate parsed;
            try {
                parsed = toJca(new X509CertificateHolder(cert.getEncoded()), 0);
            } catch (IOException | CertificateException | ValidationException e) {
                throw new IllegalArgumentException("unreadable certificate", e);
            }
            if (parsed.getPublicKey() == null) {
                throw new IllegalArgumentException("certificate with an unreadable public key");
            }
            return parsed;
        }
    }
}
