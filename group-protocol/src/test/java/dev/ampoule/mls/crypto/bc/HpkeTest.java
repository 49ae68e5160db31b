package dev.ampoule.mls.crypto.bc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeExport;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.error.ValidationException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The library's HPKE ({@link Hpke}, base mode) against the test vectors of RFC 9180 Appendix A
 * (B.1.1, B.3.1, B.6.1 in the draft's numbering: the three base-mode vectors of DHKEM X25519, P-256
 * and P-521) and against Bouncy Castle's HPKE, in both directions, for the HPKE configuration of
 * every MLS cipher suite.
 */
class HpkeTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final JdkHashes SHA256 = new JdkHashes("SHA-256", "HmacSHA256", 32);
    private static final JdkHashes SHA512 = new JdkHashes("SHA-512", "HmacSHA512", 64);

    /** One base-mode vector: keys from ikm, the context, the first encryption, three exports. */
    record Vector(String name, Hpke hpke, DhGroup group, String ikmE, String pkEm, String skEm, String ikmR,
            String pkRm, String skRm, String sharedSecret, String keyScheduleContext, String key, String baseNonce,
            String exporterSecret, String ct0, List<String> exports) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String INFO = "4f6465206f6e2061204772656369616e2055726e";
    private static final String PT = "4265617574792069732074727574682c20747275746820626561757479";
    private static final String AAD0 = "436f756e742d30";
    private static final List<String> EXPORT_CONTEXTS = List.of("", "00", "54657374436f6e74657874");

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    static Stream<Vector> vectors() {
        return Stream.of(
                new Vector("DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM",
                        new Hpke(new Dhkem(0x20, DhGroup.Montgomery.X25519_GROUP, SHA256, RANDOM), SHA256, 1,
                                JdkAead.aesGcm(16), 1), DhGroup.Montgomery.X25519_GROUP,
                        "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
                        "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
                        "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
                        "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
                        "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
                        "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
                        "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
                        "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a"
                                + "20f5ef37f30523526106f637abb05449",
                        "4531685d41d65f03dc48f6b8302c05b0", "56d890e5accaaf011cff4b7d",
                        "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
                        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
                        List.of("3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee",
                                "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5",
                                "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931")),
                new Vector("DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM",
                        new Hpke(new Dhkem(0x10, DhGroup.Nist.P256, SHA256, RANDOM), SHA256, 1, JdkAead.aesGcm(16), 1),
                        DhGroup.Nist.P256,
                        "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
                        "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b32"
                                + "5ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
                        "4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb",
                        "668b37171f1072f3cf12ea8a236a45df23fc13b82af3609ad1e354f6ef817550",
                        "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f70"
                                + "6a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
                        "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
                        "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8",
                        "00b88d4e6d91759e65e87c470e8b9141113e9ad5f0c8ceefc1e088c82e6980500798e486f9c9c09c9b5c753ac72d6005"
                                + "de254c607d1b534ed11d493ae1c1d9ac85",
                        "868c066ef58aae6dc589b6cfdd18f97e", "4e0bc5018beba4bf004cca59",
                        "14ad94af484a7ad3ef40e9f3be99ecc6fa9036df9d4920548424df127ee0d99f",
                        "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434",
                        List.of("5e9bc3d236e1911d95e65b576a8a86d478fb827e8bdfe77b741b289890490d4d",
                                "6cff87658931bda83dc857e6353efe4987a201b849658d9b047aab4cf216e796",
                                "d8f1ea7942adbba7412c6d431c62d01371ea476b823eb697e1f6e6cae1dab85a")),
                new Vector("DHKEM(P-521, HKDF-SHA512), HKDF-SHA512, AES-256-GCM",
                        new Hpke(new Dhkem(0x12, DhGroup.Nist.P521, SHA512, RANDOM), SHA512, 3, JdkAead.aesGcm(32), 2),
                        DhGroup.Nist.P521,
                        "7f06ab8215105fc46aceeb2e3dc5028b44364f960426eb0d8e4026c2f8b5d7"
                                + "e7a986688f1591abf5ab753c357a5d6f0440414b4ed4ede71317772ac98d9239f709 04",
                        "040138b385ca16bb0d5fa0c0665fbbd7e69e3ee29f63991d3e9b5fa740aab8"
                                + "900aaeed46ed73a49055758425a0ce36507c54b29cc5b85a5cee6bae0cf1c21f2731"
                                + "ece2013dc3fb7c8d21654bb161b463962ca19e8c654ff24c94dd2898de12051f1ed0"
                                + "692237fb02b2f8d1dc1c73e9b366b529eb436e98a996ee522aef863dd5739d2f29b0",
                        "014784c692da35df6ecde98ee43ac425dbdd0969c0c72b42f2e708ab9d5354"
                                + "15a8569bdacfcc0a114c85b8e3f26acf4d68115f8c91a66178cdbd03b7bcc5291e37 4b",
                        "2ad954bbe39b7122529f7dde780bff626cd97f850d0784a432784e69d86ecc"
                                + "aade43b6c10a8ffdb94bf943c6da479db137914ec835a7e715e36e45e29b587bab3b f1",
                        "0401b45498c1714e2dce167d3caf162e45e0642afc7ed435df7902ccae0e84"
                                + "ba0f7d373f646b7738bbbdca11ed91bdeae3cdcba3301f2457be452f271fa6837580"
                                + "e661012af49583a62e48d44bed350c7118c0d8dc861c238c72a2bda17f64704f464b"
                                + "57338e7f40b60959480c0e58e6559b190d81663ed816e523b6b6a418f66d2451ec64",
                        "01462680369ae375e4b3791070a7458ed527842f6a98a79ff5e0d4cbde83c2"
                                + "7196a3916956655523a6a2556a7af62c5cadabe2ef9da3760bb21e005202f7b24628 47",
                        "776ab421302f6eff7d7cb5cb1adaea0cd50872c71c2d63c30c4f1"
                                + "d5e43653336fef33b103c67e7a98add2d3b66e2fda95b5b2a667aa9dac7e59cc1d46 d30e818",
                        "0083a27c5b2358ab4dae1b2f5d8f57f10ccccc822a4733"
                                + "26f543f239a70aee46347324e84e02d7651a10d08fb3dda739d22d50c53fbfa8122b"
                                + "aacd0f9ae5913072ef45baa1f3a4b169e141feb957e48d03f28c837d8904c3d67753"
                                + "08c3d3faa75dd64adfa44e1a1141edf9349959b8f8e5291cbdc56f62b0ed6527d692 e85b09a4",
                        "751e346ce8f0ddb2305c8a2a85c70d5cf559c53093656be636b9406d4d7d1b70", "55ff7a7d739c69f44b25447b",
                        "e4ff9dfbc732a2b9c75823763c5ccc954a2c0648fc6de80a585"
                                + "81252d0ee3215388a4455e69086b50b87eb28c169a52f42e71de4ca61c920e7bd24c 95cc3f992",
                        "170f8beddfe949b75ef9c387e201baf4132fa7374593dfafa90768788b7b2b20 0aafcc6d80ea4c795a7c5b841a",
                        List.of("05e2e5bd9f0c30832b80a279ff211cc65eceb0d97001524085d609ead60d0412",
                                "fca69744bb537f5b7a1596dbf34eaa8d84bf2e3ee7f1a155d41bd3624aa92b63",
                                "f389beaac6fcf6c0d9376e20f97e364f0609a88f1bc76d7328e9104df8477013")));
    }

    /** RFC 9180 §7.1.2 requires serialized X25519/X448 keys clamped; the vectors list them unclamped. */
    private static byte[] serialized(DhGroup group, byte[] sk) {
        byte[] out = sk.clone();
        if (group == DhGroup.Montgomery.X25519_GROUP) {
            org.bouncycastle.math.ec.rfc7748.X25519.clampPrivateKey(out);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void matchesTheRfc9180BaseModeVectors(Vector v) {
        Hpke hpke = v.hpke();
        HpkeKeyPair e = hpke.derive(hex(v.ikmE()));
        HpkeKeyPair r = hpke.derive(hex(v.ikmR()));
        assertArrayEquals(serialized(v.group(), hex(v.skEm())), e.privateKey().reveal(), "skEm");
        assertArrayEquals(hex(v.pkEm()), e.publicKey().bytes(), "pkEm");
        assertArrayEquals(serialized(v.group(), hex(v.skRm())), r.privateKey().reveal(), "skRm");
        assertArrayEquals(hex(v.pkRm()), r.publicKey().bytes(), "pkRm");

        byte[] info = hex(INFO);
        byte[] context = hpke.keyScheduleContext(info);
        assertArrayEquals(hex(v.keyScheduleContext()), context, "key_schedule_context");
        // Encap with the vector's ephemeral key gives its enc and shared secret.
        Dhkem kem = kemOf(v);
        Dhkem.Encapsulation enc = kem.encap(r.publicKey().bytes(), e.privateKey().reveal());
        assertArrayEquals(hex(v.pkEm()), enc.enc(), "enc");
        assertArrayEquals(hex(v.sharedSecret()), enc.sharedSecret(), "shared_secret");
        Hpke.Schedule s = hpke.keySchedule(enc.sharedSecret(), context, true, true);
        assertArrayEquals(hex(v.key()), s.key(), "key");
        assertArrayEquals(hex(v.baseNonce()), s.baseNonce(), "base_nonce");
        assertArrayEquals(hex(v.exporterSecret()), s.exporterSecret(), "exporter_secret");
        for (int i = 0; i < EXPORT_CONTEXTS.size(); i++) {
            assertArrayEquals(hex(v.exports().get(i)), hpke.export(s, hex(EXPORT_CONTEXTS.get(i)), 32), "export " + i);
        }

        // Sequence number 0 of the single-shot API, sealed with the vector's ephemeral key and opened.
        HpkeCiphertext ct = hpke.seal(r.publicKey(), context, hex(AAD0), hex(PT), e.privateKey().reveal());
        assertArrayEquals(hex(v.pkEm()), ct.kemOutput());
        assertArrayEquals(hex(v.ct0()), ct.ciphertext(), "ct, sequence number 0");
        assertArrayEquals(hex(PT), hpke.open(r, ct.kemOutput(), info, hex(AAD0), ct.ciphertext()));
        HpkeKeyPair fromVector = new HpkeKeyPair(new HpkePrivateKey(hex(v.skRm())), new HpkePublicKey(hex(v.pkRm())));
        assertArrayEquals(hex(PT), hpke.open(fromVector, hex(v.pkEm()), info, hex(AAD0), hex(v.ct0())),
                "opens with the vector's (unclamped) private key");
        Secret exported = hpke.exportReceive(fromVector, hex(v.pkEm()), info, hex(EXPORT_CONTEXTS.get(2)), 32);
        assertArrayEquals(hex(v.exports().get(2)), exported.reveal());
    }

    private static Dhkem kemOf(Vector v) {
        return v.group() == DhGroup.Montgomery.X25519_GROUP ? new Dhkem(0x20, v.group(), SHA256, RANDOM)
                : v.group() == DhGroup.Nist.P256 ? new Dhkem(0x10, v.group(), SHA256, RANDOM)
                        : new Dhkem(0x12, v.group(), SHA512, RANDOM);
    }

    // ---- against Bouncy Castle's HPKE, every suite ----------------------------------------------

    /** Bouncy Castle's HPKE in the configuration of {@code id} (RFC 9420 §17.1). */
    private static HPKE bouncyCastle(CipherSuiteId id) {
        return switch (id) {
            case MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
            case MLS_128_DHKEMP256_AES128GCM_SHA256_P256 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);
            case MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_CHACHA20_POLY1305);
            case MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_AES_GCM256);
            case MLS_256_DHKEMP521_AES256GCM_SHA512_P521 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_P521_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_AES_GCM256);
            case MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_CHACHA20_POLY1305);
            case MLS_256_DHKEMP384_AES256GCM_SHA384_P384 ->
                    new HPKE(HPKE.mode_base, HPKE.kem_P384_SHA384, HPKE.kdf_HKDF_SHA384, HPKE.aead_AES_GCM256);
        };
    }

    private static AsymmetricCipherKeyPair bcPair(HPKE bc, HpkeKeyPair kp) {
        return bc.deserializePrivateKey(kp.privateKey().reveal(), kp.publicKey().bytes());
    }

    @ParameterizedTest
    @EnumSource(CipherSuiteId.class)
    void agreesWithBouncyCastlesHpkeBothWays(CipherSuiteId id) throws Exception {
        CipherSuite suite = BcCipherSuites.of(id);
        HPKE bc = bouncyCastle(id);
        byte[] ikm = new byte[64];
        RANDOM.nextBytes(ikm);
        HpkeKeyPair ours = suite.deriveHpkeKeyPair(ikm);
        AsymmetricCipherKeyPair theirs = bc.deriveKeyPair(ikm);
        assertArrayEquals(bc.serializePrivateKey(theirs.getPrivate()), ours.privateKey().reveal(), "DeriveKeyPair sk");
        assertArrayEquals(bc.serializePublicKey(theirs.getPublic()), ours.publicKey().bytes(), "DeriveKeyPair pk");
        assertEquals(ours.publicKey(), suite.hpkePublicKey(ours.privateKey()));

        byte[] info = new byte[100_000];
        RANDOM.nextBytes(info);
        byte[] aad = {1, 2, 3};
        byte[] pt = "a path secret, or GroupSecrets".getBytes();
        // Ours seals, Bouncy Castle opens: one sealer (one info_hash) for several recipients.
        HpkeSealer sealer = suite.hpkeSealer(info, aad);
        for (int i = 0; i < 3; i++) {
            HpkeKeyPair recipient = suite.generateHpkeKeyPair();
            HpkeCiphertext ct = sealer.seal(recipient.publicKey(), pt);
            assertArrayEquals(pt, bc.open(ct.kemOutput(), bcPair(bc, recipient), info, aad, ct.ciphertext(),
                    null, null, null), "recipient " + i);
        }
        // Bouncy Castle seals, ours opens.
        byte[][] ctAndEnc = bc.seal(bc.deserializePublicKey(ours.publicKey().bytes()), info, aad, pt, null, null, null);
        assertArrayEquals(pt, suite.hpkeOpen(ours, ctAndEnc[1], info, aad, ctAndEnc[0]));
        // Exports, both ways.
        byte[] exporterContext = "context".getBytes();
        HpkeExport sent = suite.hpkeExportSend(ours.publicKey(), info, exporterContext, 40);
        assertArrayEquals(bc.receiveExport(sent.kemOutput(), theirs, info, exporterContext, 40, null, null, null),
                sent.exported().reveal());
        byte[][] encAndSecret = bc.sendExport(theirs.getPublic(), info, exporterContext, 40, null, null, null);
        assertArrayEquals(encAndSecret[1],
                suite.hpkeExportReceive(ours, encAndSecret[0], info, exporterContext, 40).reveal());
    }

    @ParameterizedTest
    @EnumSource(CipherSuiteId.class)
    void aModifiedCiphertextOrKemOutputDoesNotOpen(CipherSuiteId id) {
        CipherSuite suite = BcCipherSuites.of(id);
        HpkeKeyPair recipient = suite.generateHpkeKeyPair();
        HpkeCiphertext ct = suite.encryptWithLabel(recipient.publicKey(), "Welcome", new byte[5], new byte[32]);
        byte[] flipped = ct.ciphertext().clone();
        flipped[0] ^= 1;
        assertOpenFails(suite, recipient, new HpkeCiphertext(ct.kemOutput(), flipped));
        byte[] otherEnc = suite.generateHpkeKeyPair().publicKey().bytes();
        assertOpenFails(suite, recipient, new HpkeCiphertext(otherEnc, ct.ciphertext()));
        assertOpenFails(suite, recipient, new HpkeCiphertext(new byte[3], ct.ciphertext()));
        var e = assertThrows(ValidationException.class,
                () -> suite.decryptWithLabel(recipient, "Welcome", new byte[6], ct), "other context");
        assertEquals(CryptoRule.HPKE_OPEN_FAILED, e.rule());
    }

    private static void assertOpenFails(CipherSuite suite, HpkeKeyPair recipient, HpkeCiphertext ct) {
        var e = assertThrows(ValidationException.class,
                () -> suite.decryptWithLabel(recipient, "Welcome", new byte[5], ct));
        assertEquals(CryptoRule.HPKE_OPEN_FAILED, e.rule());
    }

    // ---- public key validation (RFC 9180 §7.1.4) ------------------------------------------------

    /** Points of small order on Curve25519 (u = 0, 1 and a point of order 8): DH gives all zeros. */
    private static final List<String> X25519_SMALL_ORDER = List.of(
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0100000000000000000000000000000000000000000000000000000000000000",
            "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");

    @Test
    void smallOrderX25519KeysAreRefusedBeforeAndDuringEncapsulation() {
        for (CipherSuiteId id : List.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
                CipherSuiteId.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519)) {
            CipherSuite suite = BcCipherSuites.of(id);
            for (String point : X25519_SMALL_ORDER) {
                HpkePublicKey key = new HpkePublicKey(hex(point));
                assertInvalid(() -> suite.validateHpkePublicKey(key));
                assertInvalid(() -> suite.encryptWithLabel(key, "Welcome", new byte[0], new byte[1]));
            }
            suite.validateHpkePublicKey(suite.generateHpkeKeyPair().publicKey());
        }
        CipherSuite x448 = BcCipherSuites.of(CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448);
        assertInvalid(() -> x448.validateHpkePublicKey(new HpkePublicKey(new byte[56])));
        byte[] one = new byte[56];
        one[0] = 1;
        assertInvalid(() -> x448.validateHpkePublicKey(new HpkePublicKey(one)));
        assertInvalid(() -> x448.validateHpkePublicKey(new HpkePublicKey(new byte[32])));
        x448.validateHpkePublicKey(x448.generateHpkeKeyPair().publicKey());
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuiteId.class, names = {"MLS_128_DHKEMP256_AES128GCM_SHA256_P256",
        "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", "MLS_256_DHKEMP384_AES256GCM_SHA384_P384"})
    void nistKeysMustBeUncompressedPointsOnTheCurve(CipherSuiteId id) {
        CipherSuite suite = BcCipherSuites.of(id);
        byte[] good = suite.generateHpkeKeyPair().publicKey().bytes();
        suite.validateHpkePublicKey(new HpkePublicKey(good));
        byte[] offCurve = good.clone();
        offCurve[offCurve.length - 1] ^= 1;
        byte[] compressed = Arrays.copyOf(good, (good.length + 1) / 2);
        compressed[0] = (byte) (2 + (good[good.length - 1] & 1));
        for (byte[] bad : List.of(offCurve, compressed, new byte[] {0}, new byte[good.length], Arrays.copyOf(good, 10))) {
            assertInvalid(() -> suite.validateHpkePublicKey(new HpkePublicKey(bad)));
            assertInvalid(() -> suite.encryptWithLabel(new HpkePublicKey(bad), "Welcome", new byte[0], new byte[1]));
        }
    }

    private static void assertInvalid(org.junit.jupiter.api.function.Executable call) {
        assertEquals(CryptoRule.INVALID_HPKE_PUBLIC_KEY, assertThrows(ValidationException.class, call).rule());
    }
}
