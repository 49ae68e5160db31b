package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkeCiphertext;

/**
 * RFC 9420 §12.4.3.1:
 * <pre>
 * struct {
 *   KeyPackageRef new_member;
 *   HPKECiphertext encrypted_group_secrets;
 * } EncryptedGroupSecrets;
 * </pre>
 * {@code encrypted_group_secrets = EncryptWithLabel(init_key, "Welcome", encrypted_group_info,
 * group_secrets)}.
 */
public record EncryptedGroupSecrets(KeyPackageRef newMember, HpkeCiphertext encryptedGroupSecrets)
        implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.write(newMember).write(encryptedGroupSecrets);
    }

    public static EncryptedGroupSecrets decode(TlsReader r) {
        return new EncryptedGroupSecrets(KeyPackageRef.decode(r), HpkeCiphertext.decode(r));
    }
}
