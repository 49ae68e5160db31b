package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeExport;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.security.SecureRandom;
import java.util.List;

/**
 * A cipher suite assembled from Bouncy Castle (curve arithmetic, signatures), the JDK (hash, HMAC,
 * AEAD; see {@link JdkHashes} and {@link JdkAead} for why) and the HPKE of {@link Hpke} built on
 * both.
 */
final class BcCipherSuite implements CipherSuite {

    private final CipherSuiteId id;
    private final JdkHashes hashes;
    private final JdkAead aead;
    private final Hpke hpke;
    private final SignatureScheme signature;
    private final SecureRandom random;

    BcCipherSuite(CipherSuiteId id, JdkHashes hashes, JdkAead aead, Hpke hpke, SignatureScheme signature,
            SecureRandom random) {
        this.id = id;
        this.hashes = hashes;
        this.aead = aead;
        this.hpke = hpke;
        this.signature = signature;
        this.random = random;
    }

    @Override
    public CipherSuiteId id() {
        return id;
    }

    @Override
    public byte[] hash(byte[] data) {
        return hashes.hash(data);
    }

    @Override
    public int hashLength() {
        return hashes.length();
    }

    @Override
    public byte[] kdfExtract(byte[] salt, byte[] ikm) {
        return hashes.extract(salt, ikm);
    }

    @Override
    public byte[] kdfExpand(byte[] prk, byte[] info, int length) {
        return hashes.expand(prk, info, length);
    }

    @Override
    public byte[] mac(byte[] key, byte[] data) {
        return hashes.hmac(key, data);
    }

    @Override
    public int aeadKeyLength() {
        return aead.keyLength();
    }

    @Override
    public int aeadNonceLength() {
        return aead.nonceLength();
    }

    @Override
    public byte[] aeadSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext) {
        return aead.seal(key, nonce, aad, plaintext);
    }

    @Override
    public byte[] aeadOpen(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        return aead.open(key, nonce, aad, ciphertext);
    }

    @Override
    public HpkeSealer hpkeSealer(byte[] info, byte[] aad) {
        return hpke.sealer(info, aad);
    }

    @Override
    public byte[] hpkeOpen(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] aad, byte[] ciphertext) {
        return hpke.open(recipient, kemOutput, info, aad, ciphertext);
    }

    @Override
    public HpkeExport hpkeExportSend(HpkePublicKey publicKey, byte[] info, byte[] exporterContext, int length) {
        return hpke.exportSend(publicKey, info, exporterContext, length);
    }

    @Override
    public Secret hpkeExportReceive(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] exporterContext,
            int length) {
        return hpke.exportReceive(recipient, kemOutput, info, exporterContext, length);
    }

    @Override
    public HpkeKeyPair deriveHpkeKeyPair(byte[] ikm) {
        return hpke.derive(ikm);
    }

    @Override
    public HpkeKeyPair generateHpkeKeyPair() {
        return hpke.generate();
    }

    @Override
    public HpkePublicKey hpkePublicKey(HpkePrivateKey privateKey) {
        return hpke.publicKeyOf(privateKey);
    }

    @Override
    public void validateHpkePublicKey(HpkePublicKey publicKey) {
        hpke.validatePublicKey(publicKey);
    }

    @Override
    public SignatureKeyPair generateSignatureKeyPair() {
        SignaturePrivateKey priv = new SignaturePrivateKey(signature.generatePrivate(random));
        return new SignatureKeyPair(priv, signature.publicKey(priv));
    }

    @Override
    public SignaturePublicKey signaturePublicKey(SignaturePrivateKey privateKey) {
        return signature.publicKey(privateKey);
    }

    @Override
    public byte[] sign(SignaturePrivateKey privateKey, byte[] message) {
        return signature.sign(privateKey, message);
    }

    @Override
    public boolean verify(SignaturePublicKey publicKey, byte[] message, byte[] signatureBytes) {
        return signature.verify(publicKey, message, signatureBytes);
    }

    @Override
    public int firstInvalidSignature(List<SignatureCheck> checks) {
        return signature.firstInvalid(checks).orElseGet(() -> CipherSuite.super.firstInvalidSignature(checks));
    }

    @Override
    public byte[] randomBytes(int n) {
        byte[] out = new byte[n];
        random.nextBytes(out);
        return out;
    }

    @Override
    public String toString() {
        return id.name();
    }
}
